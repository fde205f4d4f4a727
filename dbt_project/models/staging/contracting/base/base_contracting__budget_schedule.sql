{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.budget_schedule: see macros/stage_validate.sql. #}
{{ stage_validate('contracting', 'budget_schedule',
    columns=[{"name": "contract_id", "required": true}, {"name": "effective_date", "kind": "date", "required": true}, {"name": "monthly_amount", "kind": "money", "nonneg": true, "required": true}],
    key=["contract_id", "effective_date"],
    row_checks=[]) }}
