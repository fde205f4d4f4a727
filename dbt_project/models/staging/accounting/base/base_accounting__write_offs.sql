{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.write_offs: see macros/stage_validate.sql. #}
{{ stage_validate('accounting', 'write_offs',
    columns=[{"name": "invoice_id", "required": true}, {"name": "write_off_date", "kind": "date", "required": true}, {"name": "amount", "kind": "money", "nonneg": true, "required": true}, {"name": "reason"}],
    key=["invoice_id", "write_off_date"],
    row_checks=[]) }}
