{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.meta_ads: see macros/stage_validate.sql; an account-day
   covered by a later pull with no rows for it is superseded (macros/apply_pull_coverage.sql). #}
with validated as (
{{ stage_validate('meta_ads', 'meta_ads',
    columns=[{"name": "date_start", "kind": "date", "as": "spend_date", "required": true}, {"name": "account_id", "kind": "account_id", "platform": "'meta_ads'", "required": true}, {"name": "account_currency", "kind": "currency", "as": "currency", "required": true}, {"name": "campaign_id", "required": true}, {"name": "campaign_name"}, {"name": "spend", "kind": "money", "nonneg": true, "required": true}, {"name": "impressions", "kind": "integer"}, {"name": "clicks", "kind": "integer"}, {"name": "extracted_at", "kind": "timestamp", "required": true}],
    key=["account_id", "campaign_id", "spend_date"], partition=['account_id', 'spend_date'], order=['extracted_at desc', '_source_file desc'],
    row_checks=[]) }}
)

{{ apply_pull_coverage('validated', 'meta_ads') }}
