-- The contract-day backbone: one row per contract and active day (start_date <= day <=
-- end_date, or open-ended), through the end of the month after T's month, with A(c,d), the
-- monthly amount in force that day (latest budget_schedule row with effective_date <= day).
with days as (
    select
        c.*,
        cast(unnest(generate_series(
            c.start_date,
            least(coalesce(c.end_date, {{ horizon_end() }}), {{ horizon_end() }}),
            interval 1 day)) as date) as day
    from {{ ref('int_contracts') }} c
    where c.start_date <= {{ horizon_end() }}
)

select
    d.contract_id,
    d.client_id,
    d.product_code,
    d.program_code,
    d.pricing_model,
    d.currency,
    d.day,
    cast(date_trunc('month', d.day) as date) as month,
    dayofmonth(last_day(d.day)) as days_in_month,
    b.monthly_amount,
    d.day <= {{ as_of() }} as is_through_as_of
from days d
asof left join {{ ref('stg_contracting__budget_schedule') }} b
    on b.contract_id = d.contract_id and d.day >= b.effective_date
