{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.invoice_lines: see macros/stage_validate.sql. #}
{{ stage_validate('accounting', 'invoice_lines',
    columns=[{"name": "invoice_id", "required": true}, {"name": "line_no", "kind": "integer", "required": true}, {"name": "contract_id"}, {"name": "service_month", "kind": "date", "required": true}, {"name": "line_type", "enum": ["media", "management_fee", "flat_fee", "adjustment"], "required": true}, {"name": "amount", "kind": "money", "required": true}],
    key=["invoice_id", "line_no"],
    row_checks=[]) }}
