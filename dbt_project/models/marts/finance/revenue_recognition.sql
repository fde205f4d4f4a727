-- Revenue recognition per contract and month (ASC 606; principal/gross by default).
--   recognized_media: closed month = delivered media = min(spend, billable media); the month of
--                     T = min(spend to date, billable media of the days through T); later = 0.
--   recognized_fee:   management fee (media) or flat fee (flat) ratably by active day:
--                     closed month = the whole fee; month of T = fee x active days to T / active
--                     days; later = 0.
--   billed:           invoice lines for the contract and service month on invoices dated <= T.
--   deferred_revenue = max(0, billed - recognized_total - underspend credit due)
--   unbilled_revenue = max(0, recognized_total - billed)
-- Net (agent) presentation (var revenue_presentation = 'net'): media is not revenue, so
-- recognized_media = 0, billed counts non-media lines only and no underspend credit applies.
{%- set net = var('revenue_presentation') == 'net' %}
with months as (
    select
        m.contract_id, m.client_id, m.product_code, m.pricing_model, m.currency, m.month,
        m.billable_amount, m.billable_to_date, m.management_fee, m.active_days, m.active_days_to_date,
        m.is_closed, m.is_as_of_month
    from {{ ref('int_contract_months') }} m
    where m.month <= {{ as_of_month() }}
),

billed_months as (
    -- service months billed but outside the contract's active months (in advance, after a cancellation)
    select b.contract_id, c.client_id, c.product_code, c.pricing_model, c.currency, b.month,
        cast(0 as decimal(18,2)) as billable_amount, cast(0 as decimal(18,2)) as billable_to_date,
        cast(0 as decimal(18,2)) as management_fee, 0 as active_days, 0 as active_days_to_date,
        last_day(b.month) <= {{ as_of() }} as is_closed, b.month = {{ as_of_month() }} as is_as_of_month
    from {{ ref('int_contract_month_billing') }} b
    join {{ ref('int_contracts') }} c on c.contract_id = b.contract_id
    where not exists (select 1 from months m where m.contract_id = b.contract_id and m.month = b.month)
),

all_months as (
    select * from months
    union all
    select * from billed_months
),

recognized as (
    select
        a.*,
        coalesce(s.spend, 0) as spend,
        coalesce(s.spend_to_date, 0) as spend_to_date,
        case
            when a.pricing_model <> 'media' then cast(0 as decimal(18,2))
            when a.is_closed then least(coalesce(s.spend, 0), a.billable_amount)
            when a.is_as_of_month then least(coalesce(s.spend_to_date, 0), a.billable_to_date)
            else cast(0 as decimal(18,2))
        end as delivered_media,
        case when a.pricing_model = 'media' then a.management_fee else a.billable_amount end as monthly_fee
    from all_months a
    left join {{ ref('int_contract_month_spend') }} s
        on s.contract_id = a.contract_id and s.month = a.month
),

fees as (
    select
        r.*,
        case
            when r.is_closed then r.monthly_fee
            when r.is_as_of_month then coalesce(
                {{ div_round('r.monthly_fee * r.active_days_to_date', 'r.active_days', 2) }}, cast(0 as decimal(18,2)))
            else cast(0 as decimal(18,2))
        end as recognized_fee,
        case when r.pricing_model = 'media' and r.is_closed
             then r.billable_amount - least(r.spend, r.billable_amount)
             else cast(0 as decimal(18,2)) end as underspend_credit_due
    from recognized r
),

final as (
    select
        f.contract_id,
        f.client_id,
        f.product_code,
        f.month,
        {% if net -%}
        coalesce(b.billed_non_media, 0) as billed,
        cast(0 as decimal(18,2)) as recognized_media,
        {%- else -%}
        coalesce(b.billed, 0) as billed,
        f.delivered_media as recognized_media,
        {%- endif %}
        f.recognized_fee,
        f.delivered_media,
        {{ 'cast(0 as decimal(18,2))' if net else 'f.underspend_credit_due' }} as underspend_credit_due,
        f.currency,
        f.is_closed
    from fees f
    left join {{ ref('int_contract_month_billing') }} b
        on b.contract_id = f.contract_id and b.month = f.month
)

select
    contract_id,
    client_id,
    product_code,
    month,
    billed,
    recognized_media,
    recognized_fee,
    recognized_media + recognized_fee as recognized_total,
    greatest(billed - (recognized_media + recognized_fee) - underspend_credit_due, 0) as deferred_revenue,
    greatest((recognized_media + recognized_fee) - billed, 0) as unbilled_revenue,
    underspend_credit_due,
    delivered_media,
    currency,
    is_closed,
    '{{ var("revenue_presentation") }}' as presentation
from final
