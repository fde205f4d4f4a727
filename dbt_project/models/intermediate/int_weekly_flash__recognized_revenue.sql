-- Weekly flash, recognized revenue: each contract-month's recognized revenue spread over its
-- active days up to T, the week's share (rounded per contract-week), at the month's rate day.
with recognized_days as (
    select r.contract_id, r.month, r.recognized_total, r.currency, d.day
    from {{ ref('revenue_recognition') }} r
    join {{ ref('int_contract_days') }} d on d.contract_id = r.contract_id and d.month = r.month
    where r.month <= {{ as_of_month() }} and d.day <= {{ as_of() }} and r.recognized_total <> 0
),

recognized_shares as (
    -- grouped by the day's week, not joined to the weeks: a range join over every contract-day cost
    -- seconds at agency scale; days_in_period is every day of the contract-month up to T
    select week_start, contract_id, month, min(currency) as currency,
        {{ div_round('min(recognized_total) * count(*)', 'min(days_in_period)', 2) }} as share
    from (
        select *, cast(date_trunc('week', day) as date) as week_start,
            count(*) over (partition by contract_id, month) as days_in_period
        from recognized_days
    ) _d
    group by 1, 2, 3
)

select week_start, sum({{ to_usd('share', 'currency', month_rate_day('month')) }}) as usd
from recognized_shares where share <> 0 group by 1
