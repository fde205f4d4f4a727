-- Spend per platform, account, campaign and day, as the latest extraction states it.
-- spend/currency: the client's currency for mapped accounts (converted through USD when the
-- account bills in another currency), the account's own otherwise; spend_usd at the day's rate.
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
    extracted_at
from {{ ref('int_ad_spend') }}
