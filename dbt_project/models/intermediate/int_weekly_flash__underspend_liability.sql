-- Weekly flash, underspend liability: underspend credit due (capped by what was billed by the
-- week's end) for months closed by then, less underspend memos dated by then, at each month's
-- last-day rate; the running total up to each week.
with liability_points as (
    -- The days a closed month's liability can change, up to T: its month end (the first week it
    -- counts in), then each later billing event or underspend memo of the contract-month. A week's
    -- figure is each month's value at its last such day by the week's end, so the value is
    -- computed once per day (not once per week and month: 2.5 M rows at 5,000 dealers) and each
    -- week adds the changes dated in it to the week before's figure.
    select u.contract_id, u.month, cast({{ dbt.last_day('u.month', 'month') }} as date) as change_day
    from {{ ref('underspend_credits') }} u
    where {{ dbt.last_day('u.month', 'month') }} <= {{ as_of() }}
    union
    select b.contract_id, b.month, b.event_date
    from {{ ref('int_billing_events') }} b
    join {{ ref('underspend_credits') }} u on u.contract_id = b.contract_id and u.month = b.month
    where b.event_date > {{ dbt.last_day('u.month', 'month') }} and b.event_date <= {{ as_of() }}
    union
    select m.contract_id, m.service_month, m.memo_date
    from {{ ref('stg_accounting__credit_memos') }} m
    join {{ ref('underspend_credits') }} u on u.contract_id = m.contract_id and u.month = m.service_month
    where m.reason = 'underspend' and m.memo_date > {{ dbt.last_day('u.month', 'month') }} and m.memo_date <= {{ as_of() }}
),

liability_billing as (
    -- per closed media month and change day: media lines and memos as of that day
    select
        p.contract_id,
        p.month,
        p.change_day,
        coalesce(sum(b.media_amount), 0) as media,
        coalesce(sum(b.non_media_amount), 0) as non_media,
        coalesce(sum(b.memo_amount), 0) as memos
    from liability_points p
    left join {{ ref('int_billing_events') }} b
        on b.contract_id = p.contract_id and b.month = p.month and b.event_date <= p.change_day
    group by 1, 2, 3
),

liability_credits as (
    select p.contract_id, p.month, p.change_day, sum(m.amount) as credits_issued
    from liability_points p
    join {{ ref('stg_accounting__credit_memos') }} m
        on m.reason = 'underspend' and m.contract_id = p.contract_id and m.service_month = p.month
        and m.memo_date <= p.change_day
    group by 1, 2, 3
),

liability_inputs as (
    select lb.*, u.currency, u.underspend, u.delivered_media, coalesce(lc.credits_issued, 0) as credits_issued
    from liability_billing lb
    join {{ ref('underspend_credits') }} u on u.contract_id = lb.contract_id and u.month = lb.month
    left join liability_credits lc
        on lc.contract_id = lb.contract_id and lc.month = lb.month and lc.change_day = lb.change_day
),

liability_values as (
    -- a month without a rate (NULL) counts 0, as the sum over the week's months leaves it out
    select contract_id, month, change_day,
        coalesce({{ to_usd(underspend_credit_due('underspend', 'media', 'non_media', 'memos', 'delivered_media') ~ ' - credits_issued',
                           'currency', dbt.last_day('month', 'month')) }}, 0) as usd
    from liability_inputs
),

liability_changes as (
    select cast(date_trunc('week', change_day) as date) as week_start,
        sum(usd - coalesce(previous_usd, 0)) as change_usd
    from (
        select *, lag(usd) over (partition by contract_id, month order by change_day) as previous_usd
        from liability_values
    ) _v
    group by 1
)

select w.week_start,
    sum(coalesce(c.change_usd, 0)) over (order by w.week_start rows between unbounded preceding and current row) as usd
from {{ ref('int_weekly_flash__weeks') }} w
left join liability_changes c on c.week_start = w.week_start
