-- Spend per platform, account, campaign and day, as the latest extraction states it.
-- spend/currency: the client's currency for mapped accounts (converted through USD when the
-- account bills in another currency), the account's own otherwise; spend_usd at the day's rate.
-- A renewal keeps its ad account: each day goes to the mapped contract active that day
-- (int_ad_spend). A conversion without a rate leaves the figure NULL (missing_fx_rate exception).
-- Incremental where the marts are built in place (DuckDB's working copy): the account-days
-- int_ad_spend recomputed are deleted and appended again (macros/ad_spend_increment.sql).
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    pre_hook=["{{ ad_spend_stamp(ref('int_ad_spend')) }}", "{{ ad_spend_delete_recomputed(ref('int_ad_spend')) }}"],
) }}
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
from {{ ref('int_ad_spend') }} s
{{ ad_spend_in_recompute(ref('int_ad_spend'), 's') }}
