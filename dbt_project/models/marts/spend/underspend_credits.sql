-- Underspend credits per media contract and month fully closed at T (SPEC 2 and 5).
--   delivered_media       = min(spend, billable media)
--   underspend            = billable media - delivered media
--   credit_due            = min(underspend, max(0, billed media - delivered media)): capped by what
--                           was billed (media invoice lines dated <= T, less billing_error, dispute
--                           and goodwill memos dated <= T); a month never invoiced owes no credit
--   credits_issued        = credit memos with reason 'underspend' for the contract and month,
--                           dated on or before T
--   outstanding_liability = credit_due - credits_issued
with memos as (
    select contract_id, service_month, sum(amount) as credits_issued
    from {{ ref('stg_accounting__credit_memos') }}
    where reason = 'underspend' and memo_date <= {{ as_of() }}
    group by 1, 2
),

months as (
    select
        m.contract_id,
        m.client_id,
        m.month,
        m.billable_amount as billable_media,
        coalesce(s.spend, 0.00) as spend,
        least(coalesce(s.spend, 0.00), m.billable_amount) as delivered_media,
        m.currency
    from {{ ref('int_contract_months') }} m
    left join {{ ref('int_contract_month_spend') }} s
        on s.contract_id = m.contract_id and s.month = m.month
    where m.pricing_model = 'media' and m.is_closed
)

select
    months.contract_id,
    months.client_id,
    months.month,
    months.billable_media,
    months.spend,
    months.delivered_media,
    months.billable_media - months.delivered_media as underspend,
    coalesce(p.billed_media, 0.00) as billed_media,
    coalesce(p.credit_due, 0.00) as credit_due,
    coalesce(memos.credits_issued, 0.00) as credits_issued,
    coalesce(p.credit_due, 0.00) - coalesce(memos.credits_issued, 0.00) as outstanding_liability,
    greatest(months.spend - months.billable_media, 0.00) as overspend,
    months.currency,
    cl.client_name,
    cl.oem
from months
left join memos on memos.contract_id = months.contract_id and memos.service_month = months.month
left join {{ ref('int_contract_positions') }} p
    on p.contract_id = months.contract_id and p.month = months.month and p.is_as_of_t
left join {{ ref('dim_clients') }} cl on cl.client_id = months.client_id
