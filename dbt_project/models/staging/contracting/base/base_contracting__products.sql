{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.products: see macros/stage_validate.sql. #}
{{ stage_validate('contracting', 'products',
    columns=[{"name": "product_code", "required": true}, {"name": "product_name"}, {"name": "product_line"}, {"name": "pricing_model", "enum": ["media", "flat"], "required": true}],
    key=["product_code"],
    row_checks=[]) }}
