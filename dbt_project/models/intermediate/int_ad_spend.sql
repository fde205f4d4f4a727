-- Every current campaign-day spend row of the three platforms, attributed to a contract and
-- converted (SPEC 2 and 5):
--   attribution  an ad account may map to several contracts over time (a renewal keeps its
--                account): spend on day d belongs to the mapped contract active on d. None
--                active: spend_outside_contract, shown against the mapped contract that started
--                last on or before d (else the earliest). Two or more active: not attributed
--                (ambiguous_account_mapping names them). No mapping: unmapped_account.
--   currency     to the client's currency through USD at the spend date's rates
--                (amount x rate(account currency) / rate(client currency)), and to USD, each
--                rounded to cents once per campaign-day; NULL when a rate is missing
--                (missing_fx_rate in data_exceptions). Unattributed spend keeps its own currency.
--   increment    a nightly build recomputes only the account-days whose spend rows, account
--                mappings or FX rates changed (macros/ad_spend_increment.sql); --rebuild recomputes all.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    pre_hook=["{{ ad_spend_recompute_days() }}", "{{ ad_spend_stamp() }}",
              "{{ ad_spend_delete_recomputed() }}"],
    post_hook=["{{ ad_spend_remember('seen_batches') }}", "{{ ad_spend_remember('seen_mappings') }}",
               "{{ ad_spend_remember('seen_rates') }}"],
) }}
-- depends_on: {{ ref('base_google_ads__google_ads') }}
-- depends_on: {{ ref('base_meta_ads__meta_ads') }}
-- depends_on: {{ ref('base_microsoft_ads__microsoft_ads') }}
with spend as (
    select * from (
        select * from {{ ref('stg_google_ads__campaign_spend') }}
        union all
        select * from {{ ref('stg_meta_ads__campaign_spend') }}
        union all
        select * from {{ ref('stg_microsoft_ads__campaign_spend') }}
    ) s
    {{ ad_spend_in_recompute('s') }}
),

mappings as (
    select platform, account_id, contract_id, start_date, end_date from ({{ ad_spend_mappings() }}) m
),

account_days as (
    select distinct platform, account_id, spend_date from spend
),

candidates as (
    select
        d.platform,
        d.account_id,
        d.spend_date,
        m.contract_id,
        d.spend_date >= m.start_date and (m.end_date is null or d.spend_date <= m.end_date) as is_active,
        row_number() over (
            partition by d.platform, d.account_id, d.spend_date
            order by
                d.spend_date >= m.start_date and (m.end_date is null or d.spend_date <= m.end_date) desc,
                m.start_date <= d.spend_date desc,
                case when m.start_date <= d.spend_date then m.start_date end desc nulls last,
                m.start_date asc,
                m.contract_id asc) as pick,
        count(*) filter (
            where d.spend_date >= m.start_date and (m.end_date is null or d.spend_date <= m.end_date))
            over (partition by d.platform, d.account_id, d.spend_date) as active_contracts,
        {{ window_string_agg('m.contract_id', 'd.spend_date >= m.start_date and (m.end_date is null or d.spend_date <= m.end_date)',
                              'd.platform, d.account_id, d.spend_date') }} as active_contract_ids
    from account_days d
    join mappings m on m.platform = d.platform and m.account_id = d.account_id
),

attribution as (
    select
        platform,
        account_id,
        spend_date,
        case when active_contracts <= 1 then contract_id end as contract_id,
        is_active and active_contracts = 1 as is_contract_active,
        active_contracts > 1 as is_ambiguous,
        active_contract_ids
    from candidates
    where pick = 1
),

attributed as (
    select
        s.*,
        a.platform is not null as is_mapped,
        coalesce(a.is_contract_active, false) as is_contract_active,
        coalesce(a.is_ambiguous, false) as is_ambiguous,
        a.active_contract_ids,
        c.contract_id,
        c.client_id,
        c.product_code,
        c.currency as client_currency,
        case when s.currency = 'USD' then cast(1 as decimal(18,9)) else fx_a.usd_per_unit end as account_rate,
        case when c.currency = 'USD' then cast(1 as decimal(18,9)) else fx_c.usd_per_unit end as client_rate
    from spend s
    left join attribution a
        on a.platform = s.platform and a.account_id = s.account_id and a.spend_date = s.spend_date
    left join {{ ref('int_contracts') }} c on c.contract_id = a.contract_id
    left join {{ ref('int_fx_daily_rates') }} fx_a
        on fx_a.currency = s.currency and fx_a.rate_day = s.spend_date
    left join {{ ref('int_fx_daily_rates') }} fx_c
        on fx_c.currency = c.currency and fx_c.rate_day = s.spend_date
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
        else {{ convert_through_usd('spend', 'account_rate', 'client_rate') }}
    end as spend,
    coalesce(client_currency, currency) as currency,
    {{ convert_through_usd('spend', 'account_rate', '1') }} as spend_usd,
    cast(round(spend, 2) as decimal(18,2)) as account_spend,
    currency as account_currency,
    impressions,
    clicks,
    is_mapped,
    is_contract_active,
    is_ambiguous,
    active_contract_ids,
    account_rate is null as is_missing_usd_rate,
    client_currency is not null and client_currency <> currency and (account_rate is null or client_rate is null)
        as is_missing_client_rate,
    extracted_at,
    _source_file,
    _row_number,
    _loaded_at
from attributed
