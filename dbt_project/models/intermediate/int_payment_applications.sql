-- Every payment application with what it may settle (SPEC 6): an application of a payment to an
-- invoice of another client (payment_client_mismatch) or in another currency than the payment's
-- (payment_currency_mismatch; a payment without a currency is in its client's currency) does not
-- settle the invoice: it is an exception, and the amount stays the paying client's unapplied cash.
-- Applications naming an unknown payment or invoice are unknown_reference exceptions
-- (int_finance_exceptions) and settle nothing either.
select
    a.payment_id,
    a.invoice_id,
    a.amount_applied,
    a._source_file,
    p.payment_date,
    p.client_id as payment_client_id,
    coalesce(p.currency, c.currency) as payment_currency,
    i.client_id as invoice_client_id,
    i.currency as invoice_currency,
    case
        when p.payment_id is null or i.invoice_id is null then 'unknown_reference'
        when p.client_id <> i.client_id then 'payment_client_mismatch'
        when coalesce(p.currency, c.currency) <> i.currency then 'payment_currency_mismatch'
    end as mismatch
from {{ ref('stg_accounting__payment_applications') }} a
left join {{ ref('stg_accounting__payments') }} p on p.payment_id = a.payment_id
left join {{ ref('stg_accounting__invoices') }} i on i.invoice_id = a.invoice_id
left join {{ ref('stg_contracting__clients') }} c on c.client_id = p.client_id
