{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.ad_coverage: see macros/stage_validate.sql. #}
{{ stage_validate('ads', 'ad_coverage',
    columns=[{"name": "platform", "enum": ["google_ads", "meta_ads", "microsoft_ads"], "required": true}, {"name": "account_id", "kind": "account_id", "platform": "lower(trim(\"platform\"))", "required": true}, {"name": "start_date", "kind": "date", "required": true}, {"name": "end_date", "kind": "date", "required": true}, {"name": "extracted_at", "kind": "timestamp", "required": true}],
    key=["platform", "account_id", "start_date", "extracted_at"],
    row_checks=[{"column": "end_date", "when": "\"end_date\" < \"start_date\"", "message": "expected on or after start_date"}]) }}
