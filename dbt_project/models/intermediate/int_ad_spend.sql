-- Every current campaign-day spend row of the three platforms, attributed to the contract its
-- ad account maps to, converted to the client's currency and to USD at the spend date's
-- rates (through USD: amount x rate(account currency) / rate(client currency)), each
-- rounded to cents once per campaign-day. Unmapped accounts keep their own currency.
with spend as (
    select * from {{ ref('stg_google_ads__campaign_spend') }}
    union all
    select * from {{ ref('stg_meta_ads__campaign_spend') }}
    union all
    select * from {{ ref('stg_microsoft_ads__campaign_spend') }}
),

mapped as (
    select
        s.*,
        a.contract_id,
        c.client_id,
        c.product_code,
        c.currency as client_currency,
        case when s.currency = 'USD' then 1 else fx_a.usd_per_unit end as account_rate,
        case when c.currency = 'USD' then 1 else fx_c.usd_per_unit end as client_rate,
        cd.contract_id is not null as is_contract_active
    from spend s
    left join {{ ref('stg_contracting__ad_accounts') }} a
        on a.platform = s.platform and a.account_id = s.account_id
    left join {{ ref('int_contracts') }} c on c.contract_id = a.contract_id
    left join {{ ref('int_fx_daily_rates') }} fx_a
        on fx_a.currency = s.currency and fx_a.rate_day = s.spend_date
    left join {{ ref('int_fx_daily_rates') }} fx_c
        on fx_c.currency = c.currency and fx_c.rate_day = s.spend_date
    left join {{ ref('int_contract_days') }} cd
        on cd.contract_id = a.contract_id and cd.day = s.spend_date
)

select
    platform,
    account_id,
    campaign_id,
    campaign_name,
    spend_date,
    contract_id,
    client_id,
    product_code,
    case
        when client_currency is null or client_currency = currency
            then cast(round(spend, 2) as decimal(18,2))
        else {{ div_round('cast(spend as decimal(38,6)) * cast(account_rate as decimal(38,9))', 'client_rate', 2) }}
    end as spend,
    coalesce(client_currency, currency) as currency,
    cast(round(cast(spend as decimal(38,6)) * cast(account_rate as decimal(38,9)), 2) as decimal(18,2)) as spend_usd,
    cast(round(spend, 2) as decimal(18,2)) as account_spend,
    currency as account_currency,
    impressions,
    clicks,
    contract_id is not null as is_mapped,
    coalesce(is_contract_active, false) as is_contract_active,
    extracted_at,
    _source_file
from mapped
