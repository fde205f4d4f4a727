-- Days sales outstanding per month, in USD: closing AR / billings of the last 90 days x 90;
-- NULL for a month whose end has less than 90 days of billing history (SPEC 5).
-- Closing AR is the sum of open invoice balances at the month's last day (T for the month of T:
-- int_invoice_balances), each invoice at its date's rate; billings are invoice totals dated in the
-- 90 days ending then.
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
    select i.invoice_date, {{ to_usd('i.total_amount', 'i.currency', 'i.invoice_date') }} as total_usd,
        {{ usd_rate('i.currency', 'i.invoice_date') }} as rate
    from {{ ref('stg_accounting__invoices') }} i
),

billings as (
    -- per month end: the invoice totals of the 90 days ending then, and whether any invoice dated
    -- by then has a rate (closing AR is NULL, not 0, when none has: its USD sum has no term)
    select
        e.month,
        e.end_day,
        sum(i.total_usd) filter (where i.invoice_date > e.end_day - 90) as billed_90d,
        count(i.rate) as rated_invoices
    from ends e
    inner join invoices i on i.invoice_date <= e.end_day
    group by 1, 2
),

closing_ar as (
    select
        e.month,
        sum(round(cast(b.open_amount as decimal(38,2)) * {{ usd_rate('b.currency', 'b.invoice_date') }}, 2)) as usd
    from ends e
    inner join {{ ref('int_invoice_balances') }} b on b.balance_date = e.end_day
    group by 1
),

ar as (
    select
        bl.month,
        bl.end_day,
        bl.billed_90d,
        case when bl.rated_invoices > 0 then coalesce(c.usd, 0) end as closing_usd
    from billings bl
    left join closing_ar c on c.month = bl.month
),

history as (
    select min(invoice_date) as first_invoice_date from {{ ref('stg_accounting__invoices') }}
    where invoice_date <= {{ as_of() }}
)

select
    a.month,
    a.end_day as as_of_date,
    cast(a.closing_usd as decimal(18,2)) as closing_ar_usd,
    cast(coalesce(a.billed_90d, 0) as decimal(18,2)) as billings_90d_usd,
    -- empty until 90 days of billing history (from the first invoice) exist at the month's end
    case when h.first_invoice_date > a.end_day - 89 then null else
    {{ div_round('a.closing_usd * 90', 'a.billed_90d', 1) }} end as dso_days
from ar a
cross join history h
