-- Collections worklist as of T: one row per past-due open invoice (ar_aging, days_past_due > 0),
-- with what the coordinator needs before calling the client. Clients come in order of amount at
-- risk (their past-due open amount in USD), largest first; within a client, oldest first.
--   client_past_due(_usd)     the client's past-due open amount in the invoice's currency (USD)
--   worklist_rank             1 for the client with the most at risk, 2 for the next, ...
--   last_payment_date/amount  the client's latest payment dated on or before T (any invoice)
--   disputed_credits          dispute credit memos dated on or before T applied to this invoice:
--                             the client contested it; an invoice with a balance left after one
--                             is an open dispute (is_open_dispute) to settle before chasing
--   unapplied_dispute_credits the client's dispute memos dated on or before T applied to no invoice
--   suggested_payment_id      unapplied cash of the same client and currency whose unapplied
--                             amount equals this invoice's open amount exactly; paired one to one,
--                             the k-th oldest such invoice with the k-th oldest such payment
--   proposed_write_off        the open amount of a 90+ invoice (a proposal; write-offs are landed
--                             in write_offs.csv once approved), else 0
with past_due as (
    select *
    from {{ ref('ar_aging') }}
    where days_past_due > 0
),

clients as (
    select
        client_id,
        currency,
        sum(open_amount) as client_past_due,
        sum(open_amount_usd) as client_past_due_usd
    from past_due
    group by 1, 2
),

ranked_clients as (
    select
        client_id,
        sum(client_past_due_usd) as at_risk_usd,
        row_number() over (order by sum(client_past_due_usd) desc nulls last, client_id) as worklist_rank
    from clients
    group by 1
),

payments_newest_first as (
    select
        client_id,
        payment_date,
        amount,
        row_number() over (partition by client_id order by payment_date desc, payment_id desc) as nth
    from {{ ref('stg_accounting__payments') }}
    where payment_date <= {{ as_of() }}
),

last_payment as (
    select
        client_id,
        payment_date as last_payment_date,
        amount as last_payment_amount
    from payments_newest_first
    where nth = 1
),

disputes as (
    select
        applied_invoice_id as invoice_id,
        sum(amount) as disputed_credits
    from {{ ref('stg_accounting__credit_memos') }}
    where reason = 'dispute' and memo_date <= {{ as_of() }} and applied_invoice_id is not null
    group by 1
),

unapplied_disputes as (
    select
        client_id,
        sum(amount) as unapplied_dispute_credits
    from {{ ref('stg_accounting__credit_memos') }}
    where reason = 'dispute' and memo_date <= {{ as_of() }} and applied_invoice_id is null
    group by 1
),

unapplied_cash as (
    select
        u.payment_id,
        u.client_id,
        cl.currency,
        u.payment_date,
        u.unapplied,
        row_number() over (partition by u.client_id, u.unapplied order by u.payment_date, u.payment_id) as nth
    from {{ ref('int_unapplied_payments') }} u
    left join {{ ref('dim_clients') }} cl on cl.client_id = u.client_id
),

open_invoices as (
    select
        invoice_id,
        client_id,
        currency,
        open_amount,
        row_number() over (partition by client_id, open_amount order by due_date, invoice_id) as nth
    from past_due
),

suggestions as (
    select
        i.invoice_id,
        u.payment_id as suggested_payment_id,
        u.payment_date as suggested_payment_date
    from open_invoices i
    inner join unapplied_cash u
        on
            u.client_id = i.client_id
            and u.currency = i.currency
            and u.unapplied = i.open_amount
            and u.nth = i.nth
)

select
    r.worklist_rank,
    p.client_id,
    p.client_name,
    p.oem,
    p.currency,
    cast(c.client_past_due as decimal(18,2)) as client_past_due,
    cast(c.client_past_due_usd as decimal(18,2)) as client_past_due_usd,
    p.invoice_id,
    p.invoice_date,
    p.due_date,
    p.days_past_due,
    p.aging_bucket,
    p.total_amount,
    p.open_amount,
    p.open_amount_usd,
    cast(coalesce(d.disputed_credits, 0) as decimal(18,2)) as disputed_credits,
    d.disputed_credits is not null as is_open_dispute,
    cast(coalesce(ud.unapplied_dispute_credits, 0) as decimal(18,2)) as unapplied_dispute_credits,
    lp.last_payment_date,
    lp.last_payment_amount,
    s.suggested_payment_id,
    s.suggested_payment_date,
    cast(case when p.aging_bucket = '90+' then p.open_amount else 0 end as decimal(18,2)) as proposed_write_off,
    p.as_of_date
from past_due p
inner join clients c on c.client_id = p.client_id and c.currency = p.currency
inner join ranked_clients r on r.client_id = p.client_id
left join disputes d on d.invoice_id = p.invoice_id
left join unapplied_disputes ud on ud.client_id = p.client_id
left join last_payment lp on lp.client_id = p.client_id
left join suggestions s on s.invoice_id = p.invoice_id
order by r.worklist_rank asc, p.currency asc, p.days_past_due desc, p.invoice_id asc
