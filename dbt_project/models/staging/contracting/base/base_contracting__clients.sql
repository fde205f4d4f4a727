{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.clients: see macros/stage_validate.sql. #}
{{ stage_validate('contracting', 'clients',
    columns=[{"name": "client_id", "required": true}, {"name": "client_name", "required": true}, {"name": "oem"}, {"name": "country", "kind": "upper"}, {"name": "currency", "kind": "currency", "required": true}, {"name": "billing_email"}],
    key=["client_id"],
    row_checks=[]) }}
