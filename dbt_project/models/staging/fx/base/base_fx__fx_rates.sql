{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.fx_rates: see macros/stage_validate.sql. #}
{{ stage_validate('fx', 'fx_rates',
    columns=[{"name": "rate_date", "kind": "date", "required": true}, {"name": "currency", "kind": "currency", "required": true}, {"name": "usd_per_unit", "kind": "decimal", "required": true}],
    key=["rate_date", "currency"],
    row_checks=[{"column": "usd_per_unit", "when": "\"usd_per_unit\" <= 0", "message": "expected a positive rate"}]) }}
