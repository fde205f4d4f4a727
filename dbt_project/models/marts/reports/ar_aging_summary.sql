-- AR aging summary as of T in the QuickBooks layout: one row per client and currency.
--   current, days_1_30, days_31_60, days_61_90, over_90  open amounts of ar_aging by bucket
--   total               sum of the buckets (per currency it equals ar_aging's open_amount total)
--   unapplied_payments  minus the part of the client's payments dated on or before T not applied
--                       to any invoice of its own (unapplied_cash in data_exceptions; an
--                       application to another client's invoice or currency settles nothing)
--   unapplied_credits   minus the credits the client holds (SPEC 6): its credit memos dated on or
--                       before T with no applied_invoice_id, underspend memos included (a credit
--                       the dealer holds), plus what was applied beyond an invoice's total
--                       (over-settlement: ar_aging keeps open amounts at 0 or more)
--   net_balance         total + unapplied_payments + unapplied_credits: what the client owes once
--                       its unapplied cash and credits are taken off, as the ledger shows it
-- Unapplied payments and credits without a currency of their own are in the client's currency, on
-- the client's row in that currency (a row of its own when nothing is open in it); an
-- over-settlement is in its invoice's currency.
with buckets as (
    select
        client_id,
        currency,
        sum(open_amount) filter (where aging_bucket = 'current') as current_amount,
        sum(open_amount) filter (where aging_bucket = '1-30') as days_1_30,
        sum(open_amount) filter (where aging_bucket = '31-60') as days_31_60,
        sum(open_amount) filter (where aging_bucket = '61-90') as days_61_90,
        sum(open_amount) filter (where aging_bucket = '90+') as over_90,
        sum(open_amount) as total
    from {{ ref('ar_aging') }}
    group by 1, 2
),

held as (
    select p.client_id, cl.currency, p.unapplied as payments, cast(0 as decimal(18,2)) as credits
    from {{ ref('int_unapplied_payments') }} p
    left join {{ ref('dim_clients') }} cl on cl.client_id = p.client_id
    union all
    select m.client_id, cl.currency, cast(0 as decimal(18,2)), m.amount
    from {{ ref('stg_accounting__credit_memos') }} m
    left join {{ ref('dim_clients') }} cl on cl.client_id = m.client_id
    where m.applied_invoice_id is null and m.memo_date <= {{ as_of() }}
    union all
    select client_id, currency, cast(0 as decimal(18,2)), settled_amount - total_amount
    from {{ ref('ar_aging') }}
    where settled_amount > total_amount
),

unapplied as (
    select client_id, currency, sum(payments) as payments, sum(credits) as credits
    from held
    group by 1, 2
),

combined as (
    select
        coalesce(b.client_id, u.client_id) as client_id,
        coalesce(b.currency, u.currency) as currency,
        coalesce(b.current_amount, 0) as current_amount,
        coalesce(b.days_1_30, 0) as days_1_30,
        coalesce(b.days_31_60, 0) as days_31_60,
        coalesce(b.days_61_90, 0) as days_61_90,
        coalesce(b.over_90, 0) as over_90,
        coalesce(b.total, 0) as total,
        -coalesce(u.payments, 0) as unapplied_payments,
        -coalesce(u.credits, 0) as unapplied_credits
    from buckets b
    full outer join unapplied u on u.client_id = b.client_id and u.currency is not distinct from b.currency
)

select
    c.client_id,
    cl.client_name,
    cl.oem,
    c.currency,
    cast(c.current_amount as decimal(18,2)) as current,
    cast(c.days_1_30 as decimal(18,2)) as days_1_30,
    cast(c.days_31_60 as decimal(18,2)) as days_31_60,
    cast(c.days_61_90 as decimal(18,2)) as days_61_90,
    cast(c.over_90 as decimal(18,2)) as over_90,
    cast(c.total as decimal(18,2)) as total,
    cast(c.unapplied_payments as decimal(18,2)) as unapplied_payments,
    cast(c.unapplied_credits as decimal(18,2)) as unapplied_credits,
    cast(c.total + c.unapplied_payments + c.unapplied_credits as decimal(18,2)) as net_balance,
    {{ as_of() }} as as_of_date,
    '{{ var("aging_basis") }}' as aging_basis
from combined c
left join {{ ref('dim_clients') }} cl on cl.client_id = c.client_id
