-- Accounts receivable aging as of T: one row per invoice dated on or before T that is still open.
--   open_amount   = total - payments applied - credit memos applied - write-offs, all dated <= T
--                   (never below 0: the excess is an overpayment, reported in data_exceptions, and
--                   the client's credit in ar_aging_summary)
--   days_past_due = T - due_date (or T - invoice_date when var aging_basis = 'invoice_date')
--   aging_bucket  = current (<= 0), 1-30, 31-60, 61-90, 90+
with balances as (
    select
        b.invoice_id,
        b.client_id,
        b.invoice_date,
        b.due_date,
        b.currency,
        b.total_amount,
        b.settled_amount as settled,
        -- int_invoice_balances keeps only open invoices: an over-settled invoice is not open (the
        -- excess is the client's credit, ar_aging_summary)
        b.open_amount as balance,
        {{ days_past_due(as_of(), 'b.invoice_date', 'b.due_date') }} as days_past_due,
        cl.client_name,
        cl.oem
    from {{ ref('int_invoice_balances') }} b
    left join {{ ref('dim_clients') }} cl on cl.client_id = b.client_id
    where b.is_as_of
)

select
    invoice_id,
    client_id,
    {{ as_of() }} as as_of_date,
    invoice_date,
    due_date,
    total_amount,
    cast(settled as decimal(18,2)) as settled_amount,
    cast(balance as decimal(18,2)) as open_amount,
    days_past_due,
    {{ aging_bucket('days_past_due') }} as aging_bucket,
    currency,
    {{ to_usd('balance', 'currency', 'invoice_date') }} as open_amount_usd,
    '{{ var("aging_basis") }}' as aging_basis,
    client_name,
    oem
from balances
where balance > 0
