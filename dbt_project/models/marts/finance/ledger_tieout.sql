-- QuickBooks tie-out as of T: revwh's open figures beside QuickBooks' own balances (qbo_balances,
-- landed by the QuickBooks Online pull), one row per invoice, credit memo, payment and customer
-- present on either side. Empty while no QuickBooks balances were pulled.
--   revwh_amount  invoice: ar_aging.open_amount (0 when settled, over-settled or dated after T)
--                 credit memo: its credit left = its amount less the parts applied to invoices
--                   (the rows `<memo>@<invoice>` and memos with applied_invoice_id); 0 after T
--                 payment: int_unapplied_payments.unapplied (0 when fully applied or after T)
--                 customer: ar_aging_summary.net_balance over the client's rows in the currency
--   qbo_amount    invoice Balance, credit memo RemainingCredit, payment UnappliedAmt, customer
--                 Balance (customers: every QuickBooks customer with that AcctNum and currency)
--   difference    revwh_amount - qbo_amount (a side without the document counts 0)
--   ties          abs(difference) < 0.005
--   likely_cause  on a row that does not tie, when known: missing_in_quickbooks, missing_in_revwh,
--                 applied_to_another_client (a payment_client_mismatch application of the payment,
--                 or to the invoice: revwh settles nothing with it), currency
--                 (payment_currency_mismatch), over_settlement (the invoice is settled beyond its
--                 total in revwh), dated_after_as_of (revwh leaves a document dated after T out; the
--                 pull is newer than T); a customer takes the first cause of its documents in
--                 that order
-- QuickBooks' balances are as of the pull (pulled_at), revwh's as of T: run with T = the pull day.
with pulled as (
    select * from {{ ref('stg_accounting__qbo_balances') }}
),

clients as (
    select client_id, currency from {{ ref('dim_clients') }}
),

-- applications revwh settles nothing with (SPEC 6): 1 another client's invoice, 2 another currency
mismatched as (
    select payment_id, invoice_id, case mismatch when 'payment_client_mismatch' then 1 else 2 end as kind
    from {{ ref('int_payment_applications') }}
    where mismatch in ('payment_client_mismatch', 'payment_currency_mismatch')
),

by_invoice as (
    select invoice_id, min(kind) as kind from mismatched group by 1
),

by_payment as (
    select payment_id, min(kind) as kind from mismatched group by 1
),

invoices as (
    select
        'invoice' as doc_type,
        i.invoice_id as doc_id,
        i.client_id,
        i.currency,
        coalesce(a.open_amount, 0) as amount,
        case
            when bi.kind = 1 then 'applied_to_another_client'
            when bi.kind = 2 then 'currency'
            when i.invoice_date <= {{ as_of() }} and coalesce(s.settled, 0) > i.total_amount then 'over_settlement'
            when i.invoice_date > {{ as_of() }} then 'dated_after_as_of'
        end as cause
    from {{ ref('stg_accounting__invoices') }} i
    left join {{ ref('ar_aging') }} a on a.invoice_id = i.invoice_id
    left join {{ ref('int_invoice_settled') }} s on s.invoice_id = i.invoice_id
    left join by_invoice bi on bi.invoice_id = i.invoice_id
),

memos as (
    select
        'credit_memo' as doc_type,
        split_part(m.credit_memo_id, '@', 1) as doc_id,
        min(m.client_id) as client_id,
        min(c.currency) as currency,
        sum(case when m.applied_invoice_id is null and m.memo_date <= {{ as_of() }} then m.amount else 0 end) as amount,
        case when min(m.memo_date) > {{ as_of() }} then 'dated_after_as_of' end as cause
    from {{ ref('stg_accounting__credit_memos') }} m
    left join clients c on c.client_id = m.client_id
    group by 2
),

payments as (
    select
        'payment' as doc_type,
        p.payment_id as doc_id,
        p.client_id,
        coalesce(p.currency, c.currency) as currency,
        coalesce(u.unapplied, 0) as amount,
        case
            when bp.kind = 1 then 'applied_to_another_client'
            when bp.kind = 2 then 'currency'
            when p.payment_date > {{ as_of() }} then 'dated_after_as_of'
        end as cause
    from {{ ref('stg_accounting__payments') }} p
    left join clients c on c.client_id = p.client_id
    left join {{ ref('int_unapplied_payments') }} u on u.payment_id = p.payment_id
    left join by_payment bp on bp.payment_id = p.payment_id
),

revwh_docs as (
    select * from invoices
    union all
    select * from memos
    union all
    select * from payments
),

pulled_documents as (
    select * from pulled where doc_type <> 'customer'
),

docs as (
    select
        coalesce(r.doc_type, q.doc_type) as doc_type,
        coalesce(r.doc_id, q.doc_id) as doc_id,
        coalesce(r.client_id, q.client_id) as client_id,
        coalesce(r.currency, q.currency) as currency,
        r.doc_id is not null as in_revwh,
        q.doc_id is not null as in_quickbooks,
        coalesce(r.amount, 0) as revwh_amount,
        coalesce(q.balance, 0) as qbo_amount,
        r.cause,
        q.pulled_at
    from revwh_docs r
    full outer join pulled_documents q
        on q.doc_type = r.doc_type and q.doc_id = r.doc_id
),

doc_causes as (
    -- per client and currency, the first cause (in the order of the header) of its documents
    -- that do not tie
    select client_id, currency, min(case likely_cause
        when 'missing_in_quickbooks' then 1 when 'missing_in_revwh' then 2
        when 'applied_to_another_client' then 3 when 'currency' then 4
        when 'over_settlement' then 5 when 'dated_after_as_of' then 6 end) as cause_rank
    from (
        select client_id, currency,
            case
                when not in_quickbooks then 'missing_in_quickbooks'
                when not in_revwh then 'missing_in_revwh'
                else cause
            end as likely_cause
        from docs
        where abs(revwh_amount - qbo_amount) >= 0.005
    ) d
    group by 1, 2
),

revwh_customers as (
    select client_id, currency, sum(net_balance) as amount
    from {{ ref('ar_aging_summary') }}
    group by 1, 2
),

qbo_customers as (
    select client_id, currency, {{ agg_string('doc_id', "','") }} as doc_id, sum(balance) as balance,
        max(pulled_at) as pulled_at
    from pulled
    where doc_type = 'customer'
    group by 1, 2
),

customers as (
    select
        'customer' as doc_type,
        coalesce(q.doc_id, r.client_id) as doc_id,
        coalesce(r.client_id, q.client_id) as client_id,
        coalesce(r.currency, q.currency) as currency,
        r.client_id is not null as in_revwh,
        q.client_id is not null as in_quickbooks,
        coalesce(r.amount, 0) as revwh_amount,
        coalesce(q.balance, 0) as qbo_amount,
        case dc.cause_rank
            when 1 then 'missing_in_quickbooks' when 2 then 'missing_in_revwh'
            when 3 then 'applied_to_another_client' when 4 then 'currency'
            when 5 then 'over_settlement' when 6 then 'dated_after_as_of'
        end as cause,
        q.pulled_at
    from revwh_customers r
    full outer join qbo_customers q on q.client_id = r.client_id and q.currency = r.currency
    left join doc_causes dc
        on dc.client_id = coalesce(r.client_id, q.client_id) and dc.currency = coalesce(r.currency, q.currency)
),

compared as (
    select * from docs
    union all
    select * from customers
)

select
    doc_type,
    doc_id,
    client_id,
    currency,
    cast(revwh_amount as decimal(18,2)) as revwh_amount,
    cast(qbo_amount as decimal(18,2)) as qbo_amount,
    cast(revwh_amount - qbo_amount as decimal(18,2)) as difference,
    abs(revwh_amount - qbo_amount) < 0.005 as ties,
    case
        when abs(revwh_amount - qbo_amount) < 0.005 then null
        when not in_quickbooks then 'missing_in_quickbooks'
        when not in_revwh then 'missing_in_revwh'
        else cause
    end as likely_cause,
    {{ to_usd('revwh_amount - qbo_amount', 'currency', as_of()) }} as difference_usd,
    in_revwh,
    in_quickbooks,
    pulled_at,
    {{ as_of() }} as as_of_date
from compared
where exists (select 1 from pulled)
