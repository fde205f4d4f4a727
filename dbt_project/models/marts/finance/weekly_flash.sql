-- Weekly flash per ISO week (Monday start) up to the week of T, in USD: the weeks of
-- int_weekly_flash__weeks, each metric from its own int_weekly_flash__<metric> model. Each figure
-- is "as of the week's end" (Sunday, or T for the week of T):
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
from {{ ref('int_weekly_flash__weeks') }} w
left join {{ ref('int_weekly_flash__billings') }} b on b.week_start = w.week_start
left join {{ ref('int_weekly_flash__collections') }} c on c.week_start = w.week_start
left join {{ ref('int_weekly_flash__recognized_revenue') }} r on r.week_start = w.week_start
left join {{ ref('int_weekly_flash__spend') }} s on s.week_start = w.week_start
left join {{ ref('int_weekly_flash__pacing') }} p on p.week_start = w.week_start
left join {{ ref('int_weekly_flash__ar_over_60') }} a on a.week_start = w.week_start
left join {{ ref('int_weekly_flash__underspend_liability') }} l on l.week_start = w.week_start
