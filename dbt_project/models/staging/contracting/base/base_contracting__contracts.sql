{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.contracts: see macros/stage_validate.sql. #}
{{ stage_validate('contracting', 'contracts',
    columns=[{"name": "contract_id", "required": true}, {"name": "client_id", "required": true}, {"name": "product_code", "required": true}, {"name": "program_code"}, {"name": "start_date", "kind": "date", "required": true}, {"name": "end_date", "kind": "date"}],
    key=["contract_id"],
    row_checks=[{"column": "end_date", "when": "\"end_date\" < \"start_date\"", "message": "expected on or after start_date"}]) }}
