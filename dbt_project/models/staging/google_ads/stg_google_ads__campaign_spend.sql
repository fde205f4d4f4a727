-- Current Google Ads spend per campaign and day (latest extraction per account-day); cost_micros converted exactly to currency units.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
-- A report split by device, network or ad group is summed to the campaign-day (macros/campaign_spend_rows.sql).
-- A view: the base model already holds these rows typed, and int_ad_spend reads them once, so
-- copying them into a table cost a nightly run 8-12 s at 5,000 dealers for nothing.
{{ config(materialized='view') }}
{{ campaign_spend_rows('google_ads', "cast(cast(sum(cost_micros) as decimal(38,6)) * 0.000001 as decimal(18,6))") }}
