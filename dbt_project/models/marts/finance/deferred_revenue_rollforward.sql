-- Deferred revenue roll-forward per client and month, through the month of T (SPEC 2 and 5).
-- Each month's closing is the client's contract positions as of the month's last day (T for the
-- month of T), the same computation as revenue_recognition (int_contract_positions):
--   closing_deferred = sum of max(0, position), closing_unbilled = sum of max(0, -position)
--   closing          = closing_deferred - closing_unbilled
-- and the movements are the changes between two month ends, so that
--   opening + billings - recognized - underspend_credits = closing   (to the cent)
--   billings            net billings dated in the month (invoice lines less non-underspend memos)
--   recognized          revenue recognized for the month
--   underspend_credits  underspend credit due that arose in the month
-- Closed months (SPEC 6): the month after a month closed now opens at the closing frozen by the
-- close (closed.figures: closing_deferred - closing_unbilled, missing = 0), not at the restated
-- one; the difference (what changed in the closed month since its close: a late export of that
-- month, a restated file) is a visible line of its own:
--   prior_period_adjustment = current closing of the closed month - its frozen closing
-- so that opening + prior_period_adjustment + billings - recognized - underspend_credits = closing.
-- Otherwise (no close) the opening is the previous month's closing and the adjustment 0.
-- For the month of T, closing_deferred and closing_unbilled equal the sums of
-- revenue_recognition.deferred_revenue and .unbilled_revenue over the client's rows.
with per_end as (
    select
        client_id,
        end_month as month,
        sum(billed) as billed,
        sum(recognized_media + recognized_fee) as recognized,
        sum(position_credit_due) as credit_due,
        sum(greatest(position, 0.00)) as closing_deferred,
        sum(greatest(-position, 0.00)) as closing_unbilled
    from {{ ref('int_contract_positions') }}
    group by 1, 2
),

clients as (
    select client_id, min(month) as first_month from per_end group by 1
),

spine as (
    select c.client_id, cast(_g.d as date) as month
    from clients c, {{ series_from('cast(c.first_month as timestamp)', 'cast(' ~ as_of_month() ~ ' as timestamp)', '1 month', '_g', 'd') }}
),

cumulative as (
    select
        s.client_id,
        s.month,
        coalesce(e.billed, 0) as billed,
        coalesce(e.recognized, 0) as recognized,
        coalesce(e.credit_due, 0) as credit_due,
        coalesce(e.closing_deferred, 0) as closing_deferred,
        coalesce(e.closing_unbilled, 0) as closing_unbilled
    from spine s
    left join per_end e on e.client_id = s.client_id and e.month = s.month
),

closed_months as (
    select distinct month from {{ ref('stg_closed__closes') }} where status = 'closed'
),

frozen as (
    select
        month,
        client_id,
        sum(case when figure = 'closing_deferred' then value else -value end) as frozen_closing
    from {{ ref('stg_closed__figures') }}
    where mart = 'deferred_revenue_rollforward' and figure in ('closing_deferred', 'closing_unbilled')
    group by 1, 2
),

movements as (
    select
        *,
        closing_deferred - closing_unbilled as closing,
        lag(month) over w as previous_month,
        coalesce(lag(closing_deferred - closing_unbilled) over w, 0) as previous_closing,
        billed - coalesce(lag(billed) over w, 0) as billings,
        recognized - coalesce(lag(recognized) over w, 0) as recognized_in_month,
        credit_due - coalesce(lag(credit_due) over w, 0) as credits_in_month
    from cumulative
    window w as (partition by client_id order by month)
),

opened as (
    select
        m.*,
        case when c.month is null then m.previous_closing else coalesce(f.frozen_closing, 0) end as opening
    from movements m
    left join closed_months c on c.month = m.previous_month
    left join frozen f on f.month = m.previous_month and f.client_id = m.client_id
)

select
    m.month,
    m.client_id,
    cast(m.opening as decimal(18,2)) as opening,
    cast(m.previous_closing - m.opening as decimal(18,2)) as prior_period_adjustment,
    cast(m.billings as decimal(18,2)) as billings,
    cast(m.recognized_in_month as decimal(18,2)) as recognized,
    cast(m.credits_in_month as decimal(18,2)) as underspend_credits,
    cast(m.closing as decimal(18,2)) as closing,
    cast(m.closing_deferred as decimal(18,2)) as closing_deferred,
    cast(m.closing_unbilled as decimal(18,2)) as closing_unbilled,
    cl.currency,
    cl.client_name,
    cl.oem
from opened m
left join {{ ref('dim_clients') }} cl on cl.client_id = m.client_id
