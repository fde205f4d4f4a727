-- Accounts receivable aging as of each month's last day, for every month that has ended by T:
-- one row per invoice open at the month end. The same rule as ar_aging, with the month's last
-- day in place of T: open = total - payments applied, credit memos applied and write-offs dated
-- on or before the month end (int_invoice_balances); days past due and bucket as of that day.
-- What a month-end close freezes as the month's AR (marts.close_figures).
with balances as (
    select
        cast(date_trunc('month', balance_date) as date) as month,
        balance_date as month_end,
        invoice_id,
        client_id,
        invoice_date,
        due_date,
        currency,
        total_amount,
        open_amount as balance
    from {{ ref('int_invoice_balances') }}
    where is_month_end
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
left join {{ ref('dim_clients') }} cl on cl.client_id = b.client_id
where b.balance > 0
