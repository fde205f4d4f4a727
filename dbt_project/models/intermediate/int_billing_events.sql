-- Net billing events (SPEC 2 and 5), one row per invoice line or credit memo that changes what a
-- contract (or, for a memo without a contract, a client) has been billed for a service month:
--   invoice lines, dated by their invoice; a line naming no known contract counts in its client's
--     billings as a client-level event (contract_id null, month = the invoice's month, SPEC 6)
--     and stays a billing_reconciliation finding;
--   credit memos with reason billing_error, dispute or goodwill, negative, dated by the memo, for
--     their contract and service month (no service month: the memo's month); a memo whose
--     contract is empty or unknown is a client-level event (contract_id null) in the month of its
--     date: it reduces the client's billings and revenue there (int_contract_positions), never
--     becoming unbilled revenue (SPEC 6).
-- Underspend memos are not billing events: they settle the underspend liability. A memo carries
-- no line type; when the media and non-media parts matter it is shared between them in proportion
-- to the lines of its contract and service month (macros/underspend_credit_due.sql).
-- (int_contract_positions).
select
    c.contract_id,
    coalesce(c.client_id, i.client_id) as client_id,
    case when c.contract_id is null then cast(date_trunc('month', i.invoice_date) as date) else l.service_month end
        as month,
    i.invoice_date as event_date,
    'invoice_line' as event_type,
    l.invoice_id as reference,
    case when l.line_type = 'media' then l.amount else cast(0 as decimal(18,2)) end as media_amount,
    case when l.line_type <> 'media' then l.amount else cast(0 as decimal(18,2)) end as non_media_amount,
    cast(0 as decimal(18,2)) as memo_amount
from {{ ref('stg_accounting__invoice_lines') }} l
join {{ ref('stg_accounting__invoices') }} i on i.invoice_id = l.invoice_id
left join {{ ref('int_contracts') }} c on c.contract_id = l.contract_id
where l.line_type <> 'tax'  -- tax is part of the invoice total and of AR, never revenue (SPEC 6)

union all

select
    c.contract_id,
    coalesce(c.client_id, m.client_id),
    case when c.contract_id is null then cast(date_trunc('month', m.memo_date) as date)
        else coalesce(m.service_month, cast(date_trunc('month', m.memo_date) as date)) end,
    m.memo_date,
    'credit_memo',
    m.credit_memo_id,
    cast(0 as decimal(18,2)),
    cast(0 as decimal(18,2)),
    m.amount
from {{ ref('stg_accounting__credit_memos') }} m
left join {{ ref('int_contracts') }} c on c.contract_id = m.contract_id
where m.reason <> 'underspend'
