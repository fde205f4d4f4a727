{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.rate_card: see macros/stage_validate.sql. #}
{{ stage_validate('contracting', 'rate_card',
    columns=[{"name": "product_code", "required": true}, {"name": "min_monthly_budget", "kind": "money", "nonneg": true, "required": true}, {"name": "max_monthly_budget", "kind": "money", "nonneg": true}, {"name": "fee_pct", "kind": "decimal", "nonneg": true, "required": true}],
    key=["product_code", "min_monthly_budget"],
    row_checks=[]) }}
