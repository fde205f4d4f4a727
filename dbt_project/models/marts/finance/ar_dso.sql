-- Days sales outstanding per month, in USD: closing AR / billings of the last 90 days x 90;
-- NULL for a month whose end has less than 90 days of billing history (SPEC 5).
-- Closing AR is the sum of open invoice balances at the month's last day (T for the month of T),
-- each invoice at its date's rate; billings are invoice totals dated in the 90 days ending then.
with month_ends as (
    -- every month from the first invoice's month to the month of T
    select cast(_g.d as date) as month
    {%- set first_month %}cast((select min(cast(date_trunc('month', invoice_date) as date))
        from {{ ref('stg_accounting__invoices') }} where invoice_date <= {{ as_of() }}) as timestamp){% endset %}
    from {{ series_from(first_month, 'cast(' ~ as_of_month() ~ ' as timestamp)', '1 month', '_g', 'd', lateral=false) }}
),

ends as (
    select month, {{ month_rate_day('month') }} as end_day from month_ends
),

invoices as (
    select i.*, {{ to_usd('i.total_amount', 'i.currency', 'i.invoice_date') }} as total_usd,
        {{ usd_rate('i.currency', 'i.invoice_date') }} as rate
    from {{ ref('stg_accounting__invoices') }} i
),

balances as (
    select
        e.month,
        e.end_day,
        i.invoice_id,
        i.total_usd,
        i.invoice_date,
        greatest(i.total_amount - coalesce((
            select sum(b.amount) from {{ ref('int_invoice_settlement_events') }} b
            where b.invoice_id = i.invoice_id and b.event_date <= e.end_day), 0), 0) as open_amount,
        i.rate
    from ends e
    join invoices i on i.invoice_date <= e.end_day
),

history as (
    select min(invoice_date) as first_invoice_date from {{ ref('stg_accounting__invoices') }}
    where invoice_date <= {{ as_of() }}
)

select
    month,
    end_day as as_of_date,
    cast(sum(round(cast(open_amount as decimal(38,2)) * rate, 2)) as decimal(18,2)) as closing_ar_usd,
    cast(coalesce(sum(total_usd) filter (where invoice_date > end_day - 90), 0) as decimal(18,2)) as billings_90d_usd,
    -- empty until 90 days of billing history (from the first invoice) exist at the month's end
    case when min(h.first_invoice_date) > end_day - 89 then null else
    {{ div_round('sum(round(cast(open_amount as decimal(38,2)) * rate, 2)) * 90',
                 'sum(total_usd) filter (where invoice_date > end_day - 90)', 1) }} end as dso_days
from balances
cross join history h
group by month, end_day
