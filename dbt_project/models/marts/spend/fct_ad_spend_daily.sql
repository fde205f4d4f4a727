-- Spend per platform, account, campaign and day, as the latest extraction states it.
-- spend/currency: the client's currency for mapped accounts (converted through USD when the
-- account bills in another currency), the account's own otherwise; spend_usd at the day's rate.
-- A renewal keeps its ad account: each day goes to the mapped contract active that day
-- (int_ad_spend). A conversion without a rate leaves the figure NULL (missing_fx_rate exception).
-- On DuckDB a view over int_ad_spend, which holds every column of it (an incremental table kept
-- by account-day, macros/ad_spend_increment.sql): a copy would be a fifth of the warehouse file
-- and cost a nightly run its R again. PostgreSQL and Spark publish their marts by swapping a
-- schema or a database version, which a view into an intermediate table kept in place would
-- escape: there it is a table (spend_fact_materialization).
{{ config(materialized=spend_fact_materialization()) }}
select
    platform,
    account_id,
    campaign_id,
    campaign_name,
    spend_date,
    contract_id,
    client_id,
    product_code,
    spend,
    currency,
    spend_usd,
    account_spend,
    account_currency,
    impressions,
    clicks,
    is_mapped,
    is_contract_active,
    is_missing_usd_rate or is_missing_client_rate as is_fx_rate_missing,
    extracted_at
from {{ ref('int_ad_spend') }}
