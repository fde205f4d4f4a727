{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.microsoft_ads: see macros/stage_validate.sql; an account-day
   covered by a later pull with no rows for it is superseded (macros/apply_pull_coverage.sql). #}
with validated as (
{{ stage_validate('microsoft_ads', 'microsoft_ads',
    columns=[{"name": "TimePeriod", "kind": "date", "as": "spend_date", "required": true}, {"name": "AccountId", "kind": "account_id", "platform": "'microsoft_ads'", "as": "account_id", "required": true}, {"name": "CurrencyCode", "kind": "currency", "as": "currency", "required": true}, {"name": "CampaignId", "as": "campaign_id", "required": true}, {"name": "CampaignName", "as": "campaign_name"}, {"name": "Spend", "kind": "money", "nonneg": true, "as": "spend", "required": true}, {"name": "Impressions", "kind": "integer", "as": "impressions"}, {"name": "Clicks", "kind": "integer", "as": "clicks"}, {"name": "extracted_at", "kind": "timestamp", "required": true}],
    key=["account_id", "campaign_id", "spend_date"], partition=['account_id', 'spend_date'], order=['extracted_at desc', '_source_file desc'],
    row_checks=[]) }}
)

{{ apply_pull_coverage('validated', 'microsoft_ads') }}
