{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.payment_applications: see macros/stage_validate.sql. #}
{{ stage_validate('accounting', 'payment_applications',
    columns=[{"name": "payment_id", "required": true}, {"name": "invoice_id", "required": true}, {"name": "amount_applied", "kind": "money", "nonneg": true, "required": true}],
    key=["payment_id", "invoice_id"],
    row_checks=[]) }}
