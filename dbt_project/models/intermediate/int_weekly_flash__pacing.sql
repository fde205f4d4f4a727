-- Weekly flash, pacing: the media contracts pacing under and over as of the week's end (the
-- month of the week's end, its active days up to then).
with daily_spend as (
    select contract_id, spend_date, sum(spend) as spend
    from {{ ref('int_ad_spend') }} where is_contract_active group by 1, 2
),

pacing_inputs as (
    select w.week_start, d.contract_id, min(d.days_in_month) as days_in_month,
        sum(coalesce(d.monthly_amount, 0)) as amount_sum, coalesce(sum(s.spend), 0) as spend_to_date,
        count(*) as active_days_to_date
    from {{ ref('int_weekly_flash__weeks') }} w
    join {{ ref('int_contract_days') }} d
        on d.month = date_trunc('month', w.week_end) and d.day <= w.week_end and d.pricing_model = 'media'
    left join daily_spend s on s.contract_id = d.contract_id and s.spend_date = d.day
    group by 1, 2
)

select week_start,
    count(*) filter (where status = 'under') as under,
    count(*) filter (where status = 'over') as over
from (
    select *, {{ pacing_status('spend_to_date', 'expected', 'active_days_to_date') }} as status
    from (select *, {{ div_round('amount_sum', 'days_in_month', 2) }} as expected from pacing_inputs) _e
) _s
group by 1
