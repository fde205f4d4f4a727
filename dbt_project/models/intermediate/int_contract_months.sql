-- One row per contract and month with active days: the billable amount and the fee.
--   billable_amount  = round(sum over active days d of A(c,d) / D, 2). Since D is fixed within
--                      the month this is round(sum(A) / D, 2): one exact division, one rounding.
--   billable_to_date = the same over active days up to T (pacing's expected_to_date).
--   management_fee   = round(billable_amount x fee_pct x (1 - discount_pct), 2) for media
--                      contracts; fee_pct is the rate-card tier [min, max) of A on the last
--                      active day of the month, discount the client's discount in force that
--                      day (0 when none). Flat products: billable_amount is the flat fee, no fee.
with months as (
    select
        contract_id,
        min(client_id) as client_id,
        min(product_code) as product_code,
        min(program_code) as program_code,
        min(pricing_model) as pricing_model,
        min(currency) as currency,
        month,
        min(days_in_month) as days_in_month,
        count(*) as active_days,
        count(*) filter (where day <= {{ as_of() }}) as active_days_to_date,
        sum(coalesce(monthly_amount, 0.00)) as amount_day_sum,
        coalesce(sum(coalesce(monthly_amount, 0.00)) filter (where day <= {{ as_of() }}), 0.00) as amount_day_sum_to_date,
        max(day) as last_active_day,
        {{ arg_max_of('coalesce(monthly_amount, 0.00)', 'day') }} as amount_on_last_active_day,
        count(*) filter (where monthly_amount is null) as days_without_budget
    from {{ ref('int_contract_days') }}
    group by contract_id, month
),

tiers as (
    select contract_id, month, fee_pct from (
    select
        m.contract_id,
        m.month,
        r.fee_pct,
        row_number() over (partition by m.contract_id, m.month order by r.min_monthly_budget desc) as _rn
    from months m
    join {{ ref('stg_contracting__rate_card') }} r
        on r.product_code = m.product_code
        and m.amount_on_last_active_day >= r.min_monthly_budget
        and (r.max_monthly_budget is null or m.amount_on_last_active_day < r.max_monthly_budget)
    ) _t where _rn = 1
),

discounts as (
    select contract_id, month, discount_pct from (
    select
        m.contract_id,
        m.month,
        d.discount_pct,
        row_number() over (
            partition by m.contract_id, m.month order by d.effective_from desc nulls last) as _rn
    from months m
    join {{ ref('stg_contracting__client_discounts') }} d
        on d.client_id = m.client_id
        and d.product_code = m.product_code
        and (d.effective_from is null or d.effective_from <= m.last_active_day)
        and (d.effective_to is null or m.last_active_day <= d.effective_to)
    ) _d where _rn = 1
),

billed as (
    select
        m.*,
        {{ div_round('m.amount_day_sum', 'm.days_in_month', 2) }} as billable_amount,
        {{ div_round('m.amount_day_sum_to_date', 'm.days_in_month', 2) }} as billable_to_date,
        t.fee_pct,
        coalesce(d.discount_pct, 0) as discount_pct,
        {{ dbt.last_day('m.month', 'month') }} <= {{ as_of() }} as is_closed,
        m.month = {{ as_of_month() }} as is_as_of_month
    from months m
    left join tiers t on t.contract_id = m.contract_id and t.month = m.month
    left join discounts d on d.contract_id = m.contract_id and d.month = m.month
)

select
    *,
    case
        when pricing_model = 'media' then cast(round(
            cast(billable_amount as decimal(38,2))
            * cast(coalesce(fee_pct, 0) as decimal(38,9))
            * (1 - cast(discount_pct as decimal(38,9))), 2) as decimal(18,2))
        else cast(0 as decimal(18,2))
    end as management_fee
from billed
