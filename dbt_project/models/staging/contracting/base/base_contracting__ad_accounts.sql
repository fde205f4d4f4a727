{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.ad_accounts: see macros/stage_validate.sql. #}
{{ stage_validate('contracting', 'ad_accounts',
    columns=[{"name": "platform", "enum": ["google_ads", "meta_ads", "microsoft_ads"], "required": true}, {"name": "account_id", "kind": "account_id", "platform": "lower(trim(\"platform\"))", "required": true}, {"name": "contract_id", "required": true}],
    key=["platform", "account_id", "contract_id"],
    row_checks=[]) }}
