-- Receivables exceptions for data_exceptions: overpayments (settlements beyond an invoice's
-- total as of T), unapplied cash (payment amount not applied to any invoice), payment
-- applications naming an invoice or payment that does not exist or of another client or currency
-- (payment_client_mismatch, payment_currency_mismatch: they settle nothing), and invoice lines whose invoice
-- is unknown or was quarantined (orphan_invoice_line, SPEC 6: never dropped silently). A row that
-- depends on a quarantined invoice says so, with the invoice's file, line and reason, instead of
-- "not in invoices.csv".
with settled as (
    select * from {{ ref('int_invoice_settled') }}
),

-- Why an invoice id has no staged row although it was landed: its quarantined row (the file
-- sorting last, then the first line of it).
quarantined_invoices as (
    select invoice_id, fate from (
        select
            b.invoice_id,
            'invoice ' || b.invoice_id || ' was quarantined: ' || b._source_file || ' line '
                || cast(b._row_number as {{ dbt.type_string() }}) || ', ' || b._reason as fate,
            row_number() over (partition by b.invoice_id order by b._source_file desc, b._row_number asc) as pick
        from {{ ref('base_accounting__invoices') }} b
        where b._status = 'quarantined' and b.invoice_id is not null
            and not exists (select 1 from {{ ref('stg_accounting__invoices') }} i where i.invoice_id = b.invoice_id)
    ) q
    where pick = 1
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
    case when i.invoice_id is null
         then coalesce(q.fate, 'invoice_id ' || a.invoice_id || ' is not in invoices.csv')
         else 'payment_id ' || a.payment_id || ' is not in payments.csv' end,
    b._record
from {{ ref('stg_accounting__payment_applications') }} a
join {{ ref('base_accounting__payment_applications') }} b
    on b._source_file = a._source_file and b.payment_id = a.payment_id and b.invoice_id = a.invoice_id
    and b._status = 'staged'
left join {{ ref('stg_accounting__invoices') }} i on i.invoice_id = a.invoice_id
left join {{ ref('stg_accounting__payments') }} p on p.payment_id = a.payment_id
left join quarantined_invoices q on q.invoice_id = a.invoice_id
where i.invoice_id is null or p.payment_id is null

union all

select
    'payment_applications',
    b._source_file,
    b._row_number,
    case a.mismatch when 'payment_client_mismatch' then 'invoice_id' else 'payment_id' end,
    a.mismatch,
    'payment ' || a.payment_id || ' of client ' || a.payment_client_id || ' (' || a.payment_currency || ') applied '
        || cast(a.amount_applied as {{ dbt.type_string() }}) || ' to invoice ' || a.invoice_id || ' of client '
        || a.invoice_client_id || ' (' || a.invoice_currency || '): not settled; the amount stays unapplied cash of '
        || a.payment_client_id,
    b._record
from {{ ref('int_payment_applications') }} a
join {{ ref('base_accounting__payment_applications') }} b
    on b._source_file = a._source_file and b.payment_id = a.payment_id and b.invoice_id = a.invoice_id
    and b._status = 'staged'
where a.mismatch in ('payment_client_mismatch', 'payment_currency_mismatch')

union all

select
    'invoice_lines',
    b._source_file,
    b._row_number,
    'invoice_id',
    'orphan_invoice_line',
    'line ' || cast(l.line_no as {{ dbt.type_string() }}) || ' of invoice ' || l.invoice_id || ' (' || l.line_type
        || ' ' || cast(l.amount as {{ dbt.type_string() }}) || ') has no invoice: '
        || coalesce(q.fate, 'invoice_id ' || l.invoice_id || ' is not in invoices.csv'),
    b._record
from {{ ref('stg_accounting__invoice_lines') }} l
join {{ ref('base_accounting__invoice_lines') }} b
    on b._source_file = l._source_file and b.invoice_id = l.invoice_id and b.line_no = l.line_no
    and b._status = 'staged'
left join {{ ref('stg_accounting__invoices') }} i on i.invoice_id = l.invoice_id
left join quarantined_invoices q on q.invoice_id = l.invoice_id
where i.invoice_id is null
