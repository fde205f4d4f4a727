-- The open amount of each invoice as of every day a model reports a balance at: T, each month's
-- last day up to T (ar_aging_month_end, ar_dso) and each ISO week's last day, Sunday or T for the
-- week of T (weekly_flash). One row per (balance_date, invoice) for an invoice dated on or before
-- the day that is still open then:
--   settled_amount = payments applied, credit memos applied and write-offs dated <= balance_date
--                    (int_invoice_settlement_events)
--   open_amount    = total_amount - settled_amount, > 0 (a settled invoice has no row; one settled
--                    beyond its total is an overpayment, reported in data_exceptions)
{%- set first_invoice %}cast((select min(invoice_date) from {{ ref('stg_accounting__invoices') }}
        where invoice_date <= {{ as_of() }}) as timestamp){% endset %}
with month_ends as (
    select cast({{ dbt.last_day('cast(_m.d as date)', 'month') }} as date) as balance_date
    from {{ series_from("date_trunc('month', " ~ first_invoice ~ ")", 'cast(' ~ as_of_month() ~ ' as timestamp)', '1 month', '_m', 'd', lateral=false) }}
),

week_ends as (
    select least(cast(_w.d as date) + 6, {{ as_of() }}) as balance_date
    from {{ series_from("date_trunc('week', " ~ first_invoice ~ ")", "date_trunc('week', cast(" ~ as_of() ~ " as timestamp))", '7 day', '_w', 'd', lateral=false) }}
),

date_kinds as (
    select balance_date, 1 as month_end_flag, 0 as week_end_flag from month_ends
    where balance_date <= {{ as_of() }}
    union all
    select balance_date, 0, 1 from week_ends
    union all
    select {{ as_of() }}, 0, 0
),

balance_dates as (
    select
        balance_date,
        balance_date = {{ as_of() }} as is_as_of,
        max(month_end_flag) = 1 as is_month_end,
        max(week_end_flag) = 1 as is_week_end
    from date_kinds
    group by 1
),

invoice_days as (
    select
        d.balance_date,
        d.is_as_of,
        d.is_month_end,
        d.is_week_end,
        i.invoice_id,
        i.client_id,
        i.invoice_date,
        i.due_date,
        i.currency,
        i.total_amount
    from balance_dates d
    inner join {{ ref('stg_accounting__invoices') }} i on i.invoice_date <= d.balance_date
),

settled as (
    select x.balance_date, x.invoice_id, sum(e.amount) as settled
    from invoice_days x
    inner join {{ ref('int_invoice_settlement_events') }} e
        on e.invoice_id = x.invoice_id and e.event_date <= x.balance_date
    group by 1, 2
)

select
    x.balance_date,
    x.is_as_of,
    x.is_month_end,
    x.is_week_end,
    x.invoice_id,
    x.client_id,
    x.invoice_date,
    x.due_date,
    x.currency,
    x.total_amount,
    cast(coalesce(s.settled, 0) as decimal(38, 2)) as settled_amount,  -- 0.00, not 0, on PostgreSQL
    x.total_amount - coalesce(s.settled, 0) as open_amount
from invoice_days x
left join settled s on s.balance_date = x.balance_date and s.invoice_id = x.invoice_id
where x.total_amount - coalesce(s.settled, 0) > 0
