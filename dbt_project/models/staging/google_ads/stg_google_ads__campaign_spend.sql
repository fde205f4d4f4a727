-- Current Google Ads spend per campaign and day (latest extraction per account-day); cost_micros converted exactly to currency units.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
-- A view: the base model already holds these rows typed, and int_ad_spend reads them once, so
-- copying them into a table cost a nightly run 8-12 s at 5,000 dealers for nothing.
{{ config(materialized='view') }}
select
    'google_ads' as platform,
    account_id,
    campaign_id,
    campaign_name,
    spend_date,
    currency,
    cast(cast(cost_micros as decimal(38,6)) * 0.000001 as decimal(18,6)) as spend,
    impressions,
    clicks,
    extracted_at,
    _source_file,
    _row_number,
    _loaded_at
from {{ ref('base_google_ads__google_ads') }}
where _status = 'staged'
