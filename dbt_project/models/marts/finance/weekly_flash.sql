-- Weekly flash per ISO week (Monday start) up to the week of T, in USD. Each figure is "as of the
-- week's end" (Sunday, or T for the week of T):
--   billings_usd / collections_usd  invoice totals / payments dated in the week, at their date's rate
--   recognized_revenue_usd          each contract-month's recognized revenue spread over its active
--                                   days up to T, the week's share (rounded per contract-week), at the
--                                   month's rate day
--   spend_usd                       platform spend dated in the week (fct_ad_spend_daily)
--   contracts_under/over_pacing     media contracts pacing under/over as of the week's end
--   ar_over_60_usd                  open invoice balances more than 60 days past due at the week's end
--   underspend_liability_usd        underspend credit due (capped by what was billed by the week's
--                                   end) for months closed by then, less underspend memos dated by
--                                   then, at each month's last-day rate
with bounds as (
    select least(
        (select min(invoice_date) from {{ ref('stg_accounting__invoices') }}),
        (select min(spend_date) from {{ ref('fct_ad_spend_daily') }}),
        (select min(day) from {{ ref('int_contract_days') }})) as first_day
),

weeks as (
    select cast(w as date) as week_start, least(cast(w as date) + 6, {{ as_of() }}) as week_end
    from bounds, {{ series_from("date_trunc('week', cast(first_day as timestamp))", "date_trunc('week', cast(" ~ as_of() ~ " as timestamp))", '7 day', 't', 'w') }}
),

billings as (
    select w.week_start, sum({{ to_usd('i.total_amount', 'i.currency', 'i.invoice_date') }}) as usd
    from weeks w join {{ ref('stg_accounting__invoices') }} i on i.invoice_date between w.week_start and w.week_end
    group by 1
),

collections as (
    select w.week_start, sum({{ to_usd('p.amount', 'c.currency', 'p.payment_date') }}) as usd
    from weeks w
    join {{ ref('stg_accounting__payments') }} p on p.payment_date between w.week_start and w.week_end
    left join {{ ref('stg_contracting__clients') }} c on c.client_id = p.client_id
    group by 1
),

recognized_days as (
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
),

recognized as (
    select week_start, sum({{ to_usd('share', 'currency', month_rate_day('month')) }}) as usd
    from recognized_shares where share <> 0 group by 1
),

spend as (
    select cast(date_trunc('week', spend_date) as date) as week_start, sum(spend_usd) as usd
    from {{ ref('fct_ad_spend_daily') }}
    where spend_date <= {{ as_of() }}
    group by 1
),

daily_spend as (
    select contract_id, spend_date, sum(spend) as spend
    from {{ ref('int_ad_spend') }} where is_contract_active group by 1, 2
),

pacing_inputs as (
    select w.week_start, d.contract_id, min(d.days_in_month) as days_in_month,
        sum(coalesce(d.monthly_amount, 0)) as amount_sum, coalesce(sum(s.spend), 0) as spend_to_date,
        count(*) as active_days_to_date
    from weeks w
    join {{ ref('int_contract_days') }} d
        on d.month = date_trunc('month', w.week_end) and d.day <= w.week_end and d.pricing_model = 'media'
    left join daily_spend s on s.contract_id = d.contract_id and s.spend_date = d.day
    group by 1, 2
),

pacing as (
    select week_start,
        count(*) filter (where status = 'under') as under,
        count(*) filter (where status = 'over') as over
    from (
        select *, {{ pacing_status('spend_to_date', 'expected', 'active_days_to_date') }} as status
        from (select *, {{ div_round('amount_sum', 'days_in_month', 2) }} as expected from pacing_inputs) _e
    ) _s
    group by 1
),

ar as (
    select w.week_start,
        sum({{ to_usd('i.total_amount - coalesce(s.settled, 0)', 'i.currency', 'i.invoice_date') }}) as usd
    from weeks w
    join {{ ref('stg_accounting__invoices') }} i on i.invoice_date <= w.week_end
        and {{ days_past_due('w.week_end', 'i.invoice_date', 'i.due_date') }} > 60
    left join lateral (
        select sum(b.amount) as settled from {{ ref('int_invoice_settlement_events') }} b
        where b.invoice_id = i.invoice_id and b.event_date <= w.week_end) s on true
    where i.total_amount - coalesce(s.settled, 0) > 0
    group by 1
),

liability_points as (
    -- The days a closed month's liability can change, up to T: its month end (the first week it
    -- counts in), then each later billing event or underspend memo of the contract-month. A week's
    -- figure is each month's value at its last such day by the week's end, so the value is
    -- computed once per day (not once per week and month: 2.5 M rows at 5,000 dealers) and each
    -- week adds the changes dated in it to the week before's figure.
    select u.contract_id, u.month, cast({{ month_end('u.month') }} as date) as change_day
    from {{ ref('underspend_credits') }} u
    where {{ month_end('u.month') }} <= {{ as_of() }}
    union
    select b.contract_id, b.month, b.event_date
    from {{ ref('int_billing_events') }} b
    join {{ ref('underspend_credits') }} u on u.contract_id = b.contract_id and u.month = b.month
    where b.event_date > {{ month_end('u.month') }} and b.event_date <= {{ as_of() }}
    union
    select m.contract_id, m.service_month, m.memo_date
    from {{ ref('stg_accounting__credit_memos') }} m
    join {{ ref('underspend_credits') }} u on u.contract_id = m.contract_id and u.month = m.service_month
    where m.reason = 'underspend' and m.memo_date > {{ month_end('u.month') }} and m.memo_date <= {{ as_of() }}
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
                           'currency', month_end('month')) }}, 0) as usd
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
),

liability as (
    select w.week_start,
        sum(coalesce(c.change_usd, 0)) over (order by w.week_start rows between unbounded preceding and current row) as usd
    from weeks w
    left join liability_changes c on c.week_start = w.week_start
)

select
    w.week_start,
    w.week_end,
    cast({{ iso_year('w.week_start') }} as integer) || '-W' || lpad(cast(cast(extract(week from w.week_start) as integer) as {{ dbt.type_string() }}), 2, '0') as iso_week,
    cast(coalesce(b.usd, 0) as decimal(18,2)) as billings_usd,
    cast(coalesce(c.usd, 0) as decimal(18,2)) as collections_usd,
    cast(coalesce(r.usd, 0) as decimal(18,2)) as recognized_revenue_usd,
    cast(coalesce(s.usd, 0) as decimal(18,2)) as spend_usd,
    coalesce(p.under, 0) as contracts_under_pacing,
    coalesce(p.over, 0) as contracts_over_pacing,
    cast(coalesce(a.usd, 0) as decimal(18,2)) as ar_over_60_usd,
    cast(coalesce(l.usd, 0) as decimal(18,2)) as underspend_liability_usd
from weeks w
left join billings b on b.week_start = w.week_start
left join collections c on c.week_start = w.week_start
left join recognized r on r.week_start = w.week_start
left join spend s on s.week_start = w.week_start
left join pacing p on p.week_start = w.week_start
left join ar a on a.week_start = w.week_start
left join liability l on l.week_start = w.week_start
