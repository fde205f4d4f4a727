-- The billings invariant (SPEC 6, invoice lines): per client, currency and month through the month
-- of T, roll-forward billings + tax lines = invoice totals - non-underspend memos, all by the
-- invoice's or memo's date. Lines naming an unknown contract count in the client's billings
-- (a client-level row) and memos without a contract reduce them, so nothing billed is lost.
-- An invoice whose lines do not foot to its total (billing_reconciliation's invoice_total_mismatch
-- finding, already reported) counts at its lines: only they can be billings.
-- Gross presentation only: in net presentation billings count the non-media part alone.
{{ config(enabled=var('revenue_presentation') != 'net') }}
with rollforward as (
    select client_id, currency, month, billings
    from {{ ref('deferred_revenue_rollforward') }}
),

lines as (
    select invoice_id, sum(amount) as lines_total
    from {{ ref('stg_accounting__invoice_lines') }}
    group by 1
),

invoices as (
    select
        i.client_id,
        i.currency,
        cast(date_trunc('month', i.invoice_date) as date) as month,
        sum(case
            when i.total_amount = coalesce(l.lines_total, 0) then i.total_amount
            else coalesce(l.lines_total, 0)  -- invoice_total_mismatch: its lines
        end) as invoice_totals
    from {{ ref('stg_accounting__invoices') }} i
    left join lines l on l.invoice_id = i.invoice_id
    where i.invoice_date <= {{ as_of() }}
    group by 1, 2, 3
),

tax as (
    select
        i.client_id,
        i.currency,
        cast(date_trunc('month', i.invoice_date) as date) as month,
        sum(l.amount) as tax_lines
    from {{ ref('stg_accounting__invoice_lines') }} l
    inner join {{ ref('stg_accounting__invoices') }} i on i.invoice_id = l.invoice_id
    where l.line_type = 'tax' and i.invoice_date <= {{ as_of() }}
    group by 1, 2, 3
),

memos as (
    select
        m.client_id,
        cl.currency,
        cast(date_trunc('month', m.memo_date) as date) as month,
        sum(m.amount) as memos
    from {{ ref('stg_accounting__credit_memos') }} m
    left join {{ ref('stg_contracting__clients') }} cl on cl.client_id = m.client_id
    where m.reason <> 'underspend' and m.memo_date <= {{ as_of() }}
    group by 1, 2, 3
),

keys as (
    select client_id, currency, month from rollforward
    union
    select client_id, currency, month from invoices
    union
    select client_id, currency, month from memos
)

select
    k.*,
    coalesce(r.billings, 0) as billings,
    coalesce(t.tax_lines, 0) as tax_lines,
    coalesce(i.invoice_totals, 0) as invoice_totals,
    coalesce(m.memos, 0) as memos
from keys k
left join rollforward r on r.client_id = k.client_id and r.currency = k.currency and r.month = k.month
left join invoices i on i.client_id = k.client_id and i.currency = k.currency and i.month = k.month
left join tax t on t.client_id = k.client_id and t.currency = k.currency and t.month = k.month
left join memos m on m.client_id = k.client_id and m.currency = k.currency and m.month = k.month
where coalesce(r.billings, 0) + coalesce(t.tax_lines, 0)
    <> coalesce(i.invoice_totals, 0) - coalesce(m.memos, 0)
