{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.meta_ads: see macros/stage_validate.sql. #}
{{ stage_validate('meta_ads', 'meta_ads',
    columns=[{"name": "date_start", "kind": "date", "as": "spend_date", "required": true}, {"name": "account_id", "required": true}, {"name": "account_currency", "kind": "upper", "enum": var('supported_currencies'), "as": "currency", "required": true}, {"name": "campaign_id", "required": true}, {"name": "campaign_name"}, {"name": "spend", "kind": "money", "nonneg": true, "required": true}, {"name": "impressions", "kind": "integer"}, {"name": "clicks", "kind": "integer"}, {"name": "extracted_at", "kind": "timestamp", "required": true}],
    key=["account_id", "campaign_id", "spend_date"], partition=['account_id', 'spend_date'], order=['extracted_at desc', '_source_file desc'],
    row_checks=[]) }}
