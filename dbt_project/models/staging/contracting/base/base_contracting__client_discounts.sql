{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.client_discounts: see macros/stage_validate.sql. #}
{{ stage_validate('contracting', 'client_discounts',
    columns=[{"name": "client_id", "required": true}, {"name": "product_code", "required": true}, {"name": "discount_pct", "kind": "decimal", "nonneg": true, "required": true}, {"name": "effective_from", "kind": "date"}, {"name": "effective_to", "kind": "date"}],
    key=["client_id", "product_code", "effective_from"],
    row_checks=[]) }}
