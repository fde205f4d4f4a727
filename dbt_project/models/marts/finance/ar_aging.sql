-- Accounts receivable aging as of T: one row per invoice dated on or before T that is still open.
--   open_amount   = total - payments applied - credit memos applied - write-offs, all dated <= T
--                   (never below 0: the excess is an overpayment, reported in data_exceptions, and
--                   the client's credit in ar_aging_summary)
--   days_past_due = T - due_date (or T - invoice_date when var aging_basis = 'invoice_date')
--   aging_bucket  = current (<= 0), 1-30, 31-60, 61-90, 90+
with settled as (
    select * from {{ ref('int_invoice_settled') }}
),

balances as (
    select
        i.invoice_id,
        i.client_id,
        i.invoice_date,
        i.due_date,
        i.currency,
        i.total_amount,
        coalesce(s.settled, 0) as settled,
        -- an over-settled invoice is open 0: the excess is the client's credit (ar_aging_summary)
        greatest(i.total_amount - coalesce(s.settled, 0), 0.00) as balance,
        {{ days_past_due(as_of(), 'i.invoice_date', 'i.due_date') }} as days_past_due,
        cl.client_name,
        cl.oem
    from {{ ref('stg_accounting__invoices') }} i
    left join settled s on s.invoice_id = i.invoice_id
    left join {{ ref('stg_contracting__clients') }} cl on cl.client_id = i.client_id
    where i.invoice_date <= {{ as_of() }}
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
