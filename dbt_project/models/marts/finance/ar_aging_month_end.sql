-- Accounts receivable aging as of each month's last day, for every month that has ended by T:
-- one row per invoice open at the month end. The same rule as ar_aging, with the month's last
-- day in place of T: open = total - payments applied, credit memos applied and write-offs dated
-- on or before the month end (int_invoice_settlement_events); days past due and bucket as of
-- that day. What a month-end close freezes as the month's AR (marts.close_figures).
with bounds as (
    select cast(date_trunc('month', min(invoice_date)) as date) as first_month
    from {{ ref('stg_accounting__invoices') }}
),

month_ends as (
    select
        cast(m as date) as month,
        cast({{ month_end('cast(m as date)') }} as date) as month_end
    from bounds, {{ series_from('cast(first_month as timestamp)', 'cast(' ~ as_of_month() ~ ' as timestamp)', '1 month', 't', 'm') }}
    where {{ month_end('cast(m as date)') }} <= {{ as_of() }}
),

balances as (
    select
        e.month,
        e.month_end,
        i.invoice_id,
        i.client_id,
        i.invoice_date,
        i.due_date,
        i.currency,
        i.total_amount,
        i.total_amount - coalesce((
            select sum(s.amount)
            from {{ ref('int_invoice_settlement_events') }} s
            where s.invoice_id = i.invoice_id and s.event_date <= e.month_end
        ), 0) as balance
    from month_ends e
    inner join {{ ref('stg_accounting__invoices') }} i on i.invoice_date <= e.month_end
)

select
    b.month,
    b.month_end,
    b.invoice_id,
    b.client_id,
    cl.client_name,
    b.invoice_date,
    b.due_date,
    b.total_amount,
    cast(b.balance as decimal(18,2)) as open_amount,
    {{ days_past_due('b.month_end', 'b.invoice_date', 'b.due_date') }} as days_past_due,
    {{ aging_bucket(days_past_due('b.month_end', 'b.invoice_date', 'b.due_date')) }} as aging_bucket,
    b.currency,
    {{ to_usd('b.balance', 'b.currency', 'b.invoice_date') }} as open_amount_usd
from balances b
left join {{ ref('stg_contracting__clients') }} cl on cl.client_id = b.client_id
where b.balance > 0
