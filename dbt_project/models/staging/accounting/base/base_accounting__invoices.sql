{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.invoices: see macros/stage_validate.sql. #}
{{ stage_validate('accounting', 'invoices',
    columns=[{"name": "invoice_id", "required": true}, {"name": "client_id", "required": true}, {"name": "invoice_date", "kind": "date", "required": true}, {"name": "due_date", "kind": "date", "required": true}, {"name": "currency", "kind": "currency", "required": true}, {"name": "total_amount", "kind": "money", "required": true}],
    key=["invoice_id"],
    row_checks=[{"column": "due_date", "when": "\"due_date\" < \"invoice_date\"", "message": "expected on or after invoice_date"}]) }}
