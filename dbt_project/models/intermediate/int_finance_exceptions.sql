-- Receivables exceptions for data_exceptions: overpayments (settlements beyond an invoice's
-- total as of T), unapplied cash (payment amount not applied to any invoice), and payment
-- applications or memos naming an invoice that does not exist.
with settled as (
    select * from {{ ref('int_invoice_settled') }}
)

select
    'invoices' as source,
    b._source_file as source_file,
    b._row_number as line_number,
    'total_amount' as column_name,
    'overpayment' as exception_type,
    'invoice ' || i.invoice_id || ': payments, credits and write-offs of ' || s.settled
        || ' exceed its total ' || i.total_amount || ' by ' || (s.settled - i.total_amount) as reason,
    b._record as record
from {{ ref('stg_accounting__invoices') }} i
join settled s on s.invoice_id = i.invoice_id
join {{ ref('base_accounting__invoices') }} b
    on b._source_file = i._source_file and b.invoice_id = i.invoice_id and b._status = 'staged'
where s.settled > i.total_amount and i.invoice_date <= {{ as_of() }}

union all

select
    'payments',
    b._source_file,
    b._row_number,
    'amount',
    'unapplied_cash',
    'payment ' || p.payment_id || ' of ' || p.amount || ': ' || p.unapplied || ' not applied to any invoice',
    b._record
from {{ ref('int_unapplied_payments') }} p
join {{ ref('base_accounting__payments') }} b
    on b._source_file = p._source_file and b.payment_id = p.payment_id and b._status = 'staged'

union all

select
    'payment_applications',
    b._source_file,
    b._row_number,
    case when i.invoice_id is null then 'invoice_id' else 'payment_id' end,
    'unknown_reference',
    case when i.invoice_id is null then 'invoice_id ' || a.invoice_id || ' is not in invoices.csv'
         else 'payment_id ' || a.payment_id || ' is not in payments.csv' end,
    b._record
from {{ ref('stg_accounting__payment_applications') }} a
join {{ ref('base_accounting__payment_applications') }} b
    on b._source_file = a._source_file and b.payment_id = a.payment_id and b.invoice_id = a.invoice_id
    and b._status = 'staged'
left join {{ ref('stg_accounting__invoices') }} i on i.invoice_id = a.invoice_id
left join {{ ref('stg_accounting__payments') }} p on p.payment_id = a.payment_id
where i.invoice_id is null or p.payment_id is null
