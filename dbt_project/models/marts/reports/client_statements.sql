-- Statement of account lines as of T, per client and currency: what the PDF statement of each
-- client shows (orchestration/reports/statements.py), one row per line.
--   open_invoice  every invoice still open at T (ar_aging): amount = its total, open_amount = what
--                 is still owed, with its days past due and aging bucket
--   payment       the client's payments dated in the statement period (first day of T's month
--                 to T), in the client's currency; amount is the payment as received
--   credit_memo   the client's credit memos dated in the period, underspend credits included
--                 (they are credits the client receives), in the client's currency
-- The balance and the aging buckets of the statement are ar_aging_summary's row for the client
-- and currency: open_amount of the open_invoice lines sums to its total.
with invoices as (
    select
        client_id,
        currency,
        'open_invoice' as line_type,
        invoice_id as document_id,
        invoice_date as document_date,
        due_date,
        days_past_due,
        aging_bucket,
        total_amount as amount,
        open_amount,
        cast(null as {{ dbt.type_string() }}) as detail
    from {{ ref('ar_aging') }}
),

payments as (
    select
        p.client_id,
        cl.currency,
        'payment' as line_type,
        p.payment_id as document_id,
        p.payment_date as document_date,
        cast(null as date) as due_date,
        cast(null as integer) as days_past_due,
        cast(null as {{ dbt.type_string() }}) as aging_bucket,
        p.amount,
        cast(null as decimal(18,2)) as open_amount,
        concat_ws(' ', p.method, p.reference) as detail
    from {{ ref('stg_accounting__payments') }} p
    left join {{ ref('dim_clients') }} cl on cl.client_id = p.client_id
    where p.payment_date between {{ as_of_month() }} and {{ as_of() }}
),

credits as (
    select
        m.client_id,
        cl.currency,
        'credit_memo' as line_type,
        m.credit_memo_id as document_id,
        m.memo_date as document_date,
        cast(null as date) as due_date,
        cast(null as integer) as days_past_due,
        cast(null as {{ dbt.type_string() }}) as aging_bucket,
        m.amount,
        cast(null as decimal(18,2)) as open_amount,
        concat_ws(' ', m.reason, 'applied to ' || m.applied_invoice_id) as detail
    from {{ ref('stg_accounting__credit_memos') }} m
    left join {{ ref('dim_clients') }} cl on cl.client_id = m.client_id
    where m.memo_date between {{ as_of_month() }} and {{ as_of() }}
),

lines as (
    select * from invoices
    union all
    select * from payments
    union all
    select * from credits
)

select
    l.client_id,
    cl.client_name,
    l.currency,
    l.line_type,
    l.document_id,
    l.document_date,
    l.due_date,
    l.days_past_due,
    l.aging_bucket,
    cast(l.amount as decimal(18,2)) as amount,
    cast(l.open_amount as decimal(18,2)) as open_amount,
    l.detail,
    {{ as_of_month() }} as period_start,
    {{ as_of() }} as as_of_date
from lines l
left join {{ ref('dim_clients') }} cl on cl.client_id = l.client_id
