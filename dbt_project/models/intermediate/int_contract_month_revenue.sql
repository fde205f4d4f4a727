-- Revenue per contract and service month as of T (SPEC 2 and 5), before billing is netted in:
-- every contract month active through the month of T, every contract month a billing event dated
-- on or before T names (billed in advance, after a cancellation, or beyond the backbone), and a
-- client-level row per month for credit memos without a contract.
--   delivered_media  closed month: min(spend, billable media); month of T: min(spend to date,
--                    billable media of the days through T); otherwise 0 (media products only)
--   recognized_fee   management fee (media) or flat fee (flat) ratably by active day: closed
--                    month = the whole fee; month of T = fee x active days to T / active days
--   underspend       closed media month: billable media - delivered media
with active as (
    select
        m.contract_id, m.client_id, m.product_code, m.pricing_model, m.currency, m.month,
        m.billable_amount, m.billable_to_date, m.management_fee, m.active_days, m.active_days_to_date,
        m.is_closed, m.is_as_of_month, true as is_active_month
    from {{ ref('int_contract_months') }} m
    where m.month <= {{ as_of_month() }}
),

billed_only as (
    select distinct
        b.contract_id, b.client_id, c.product_code, c.pricing_model, coalesce(c.currency, cl.currency) as currency,
        b.month,
        cast(0 as decimal(18,2)) as billable_amount, cast(0 as decimal(18,2)) as billable_to_date,
        cast(0 as decimal(18,2)) as management_fee, 0 as active_days, 0 as active_days_to_date,
        {{ dbt.last_day('b.month', 'month') }} <= {{ as_of() }} as is_closed, b.month = {{ as_of_month() }} as is_as_of_month,
        false as is_active_month
    from {{ ref('int_billing_events') }} b
    left join {{ ref('int_contracts') }} c on c.contract_id = b.contract_id
    left join {{ ref('stg_contracting__clients') }} cl on cl.client_id = b.client_id
    where b.event_date <= {{ as_of() }}
      and not exists (
        select 1 from active a where a.contract_id = b.contract_id and a.month = b.month)
),

months as (
    select * from active
    union all
    select * from billed_only
),

delivered as (
    select
        a.*,
        coalesce(s.spend, 0.00) as spend,
        case
            when a.pricing_model <> 'media' or not a.is_active_month then cast(0 as decimal(18,2))
            when a.is_closed then least(coalesce(s.spend, 0.00), a.billable_amount)
            when a.is_as_of_month then least(coalesce(s.spend_to_date, 0.00), a.billable_to_date)
            else cast(0 as decimal(18,2))
        end as delivered_media,
        case when a.pricing_model = 'media' then a.management_fee else a.billable_amount end as monthly_fee
    from months a
    left join {{ ref('int_contract_month_spend') }} s
        on s.contract_id = a.contract_id and s.month = a.month
)

select
    contract_id,
    client_id,
    product_code,
    pricing_model,
    currency,
    month,
    is_active_month,
    is_closed,
    billable_amount,
    spend,
    cast(delivered_media as decimal(18,2)) as delivered_media,
    cast(case
        when not is_active_month then 0
        when is_closed then monthly_fee
        when is_as_of_month then coalesce(
            {{ div_round('monthly_fee * active_days_to_date', 'active_days', 2) }}, cast(0 as decimal(18,2)))
        else 0
    end as decimal(18,2)) as recognized_fee,
    cast(case
        when pricing_model = 'media' and is_closed and is_active_month then billable_amount - delivered_media
        else 0
    end as decimal(18,2)) as underspend
from delivered
