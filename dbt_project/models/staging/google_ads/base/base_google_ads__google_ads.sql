{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.google_ads: see macros/stage_validate.sql; an account-day
   covered by a later pull with no rows for it is superseded (macros/apply_pull_coverage.sql). #}
with validated as (
{{ stage_validate('google_ads', 'google_ads',
    columns=[{"name": "segments_date", "kind": "date", "as": "spend_date", "required": true}, {"name": "customer_id", "kind": "account_id", "platform": "'google_ads'", "as": "account_id", "required": true}, {"name": "customer_currency_code", "kind": "currency", "as": "currency", "required": true}, {"name": "customer_time_zone", "as": "account_time_zone"}, {"name": "campaign_id", "required": true}, {"name": "campaign_name"}, {"name": "metrics_cost_micros", "kind": "integer", "nonneg": true, "as": "cost_micros", "required": true}, {"name": "metrics_impressions", "kind": "integer", "as": "impressions"}, {"name": "metrics_clicks", "kind": "integer", "as": "clicks"}, {"name": "extracted_at", "kind": "timestamp", "required": true}],
    key=["account_id", "campaign_id", "spend_date"], partition=['account_id', 'spend_date'], order=['extracted_at desc', '_source_file desc'],
    row_checks=[]) }}
)

{{ apply_pull_coverage('validated', 'google_ads') }}
