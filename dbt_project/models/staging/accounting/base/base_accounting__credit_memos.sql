{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.credit_memos: see macros/stage_validate.sql. #}
{{ stage_validate('accounting', 'credit_memos',
    columns=[{"name": "credit_memo_id", "required": true}, {"name": "client_id", "required": true}, {"name": "contract_id"}, {"name": "service_month", "kind": "date"}, {"name": "memo_date", "kind": "date", "required": true}, {"name": "amount", "kind": "money", "nonneg": true, "required": true}, {"name": "reason", "enum": ["underspend", "dispute", "billing_error", "goodwill"], "required": true}, {"name": "applied_invoice_id"}],
    key=["credit_memo_id"],
    row_checks=[]) }}
