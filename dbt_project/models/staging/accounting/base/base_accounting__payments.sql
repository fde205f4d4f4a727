{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.payments: see macros/stage_validate.sql. #}
{{ stage_validate('accounting', 'payments',
    columns=[{"name": "payment_id", "required": true}, {"name": "client_id", "required": true}, {"name": "payment_date", "kind": "date", "required": true}, {"name": "amount", "kind": "money", "nonneg": true, "required": true}, {"name": "method", "enum": ["card", "ach", "check", "wire"]}, {"name": "reference"}],
    key=["payment_id"],
    row_checks=[]) }}
