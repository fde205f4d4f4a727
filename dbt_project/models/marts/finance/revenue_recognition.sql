-- Revenue recognition per contract and service month as of T (ASC 606; principal/gross by
-- default), SPEC 2 and 5. The figures come from int_contract_positions (the slice as of T):
--   billed            invoice lines on invoices dated <= T for the contract and service month, less
--                     billing_error / dispute / goodwill memos dated <= T (net billings)
--   recognized_media  closed month = delivered media = min(spend, billable media); the month of T
--                     = min(spend to date, billable media of the days through T); later = 0
--   recognized_fee    management fee (media) or flat fee (flat) ratably by active day
--   underspend_credit_due  closed media months: min(underspend, max(0, billed media - delivered))
--   position = billed - recognized_total - underspend_credit_due;
--   deferred_revenue = max(0, position), unbilled_revenue = max(0, -position)
-- Rows: every contract month active through the month of T and every contract month billed on an
-- invoice (or memo) dated <= T; a memo without a contract is a client-level row (contract_id null).
-- Net (agent) presentation: media is not revenue, billed counts the non-media part, no credit.
select
    p.contract_id,
    p.client_id,
    p.product_code,
    p.month,
    p.billed,
    p.recognized_media,
    p.recognized_fee,
    cast(p.recognized_media + p.recognized_fee as decimal(18,2)) as recognized_total,
    cast(greatest(p.position, 0) as decimal(18,2)) as deferred_revenue,
    cast(greatest(-p.position, 0) as decimal(18,2)) as unbilled_revenue,
    p.position_credit_due as underspend_credit_due,
    r.delivered_media,
    p.credit_memos,
    p.currency,
    r.is_closed,
    '{{ var("revenue_presentation") }}' as presentation,
    cl.client_name,
    cl.oem,
    pr.product_name
from {{ ref('int_contract_positions') }} p
join {{ ref('int_contract_month_revenue') }} r
    on r.client_id = p.client_id and r.month = p.month and r.contract_id is not distinct from p.contract_id
left join {{ ref('dim_clients') }} cl on cl.client_id = p.client_id
left join {{ ref('dim_products') }} pr on pr.product_code = p.product_code
where p.is_as_of_t
