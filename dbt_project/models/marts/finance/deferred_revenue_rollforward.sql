-- Deferred revenue roll-forward per client and month, through the month of T:
--   closing = opening + billings - recognized - underspend_credits   (to the cent, by construction)
--   opening = the previous month's closing (0 before the client's first month)
-- billings: invoice lines (known contracts) by invoice date; recognized and underspend credits:
-- revenue_recognition of the service month. The balance is the client's net contract position:
-- positive = deferred revenue, negative = revenue recognized but not yet billed (see DECISIONS).
{%- set net = var('revenue_presentation') == 'net' %}
with billings as (
    select
        c.client_id,
        cast(date_trunc('month', i.invoice_date) as date) as month,
        sum(l.amount) {% if net %}filter (where l.line_type <> 'media'){% endif %} as billings
    from {{ ref('stg_accounting__invoice_lines') }} l
    join {{ ref('stg_accounting__invoices') }} i on i.invoice_id = l.invoice_id
    join {{ ref('int_contracts') }} c on c.contract_id = l.contract_id
    where i.invoice_date <= {{ as_of() }}
    group by 1, 2
),

recognition as (
    select client_id, month, sum(recognized_total) as recognized, sum(underspend_credit_due) as underspend_credits
    from {{ ref('revenue_recognition') }}
    where month <= {{ as_of_month() }}
    group by 1, 2
),

clients as (
    select client_id, min(month) as first_month
    from (select client_id, month from billings union all select client_id, month from recognition)
    group by 1
),

spine as (
    select c.client_id, cast(unnest(generate_series(c.first_month, {{ as_of_month() }}, interval 1 month)) as date) as month
    from clients c
),

movements as (
    select
        s.client_id,
        s.month,
        coalesce(b.billings, 0) as billings,
        coalesce(r.recognized, 0) as recognized,
        coalesce(r.underspend_credits, 0) as underspend_credits
    from spine s
    left join billings b on b.client_id = s.client_id and b.month = s.month
    left join recognition r on r.client_id = s.client_id and r.month = s.month
),

running as (
    select
        *,
        sum(billings - recognized - underspend_credits) over (
            partition by client_id order by month rows between unbounded preceding and current row) as closing
    from movements
)

select
    r.month,
    r.client_id,
    cast(r.closing - (r.billings - r.recognized - r.underspend_credits) as decimal(18,2)) as opening,
    cast(r.billings as decimal(18,2)) as billings,
    cast(r.recognized as decimal(18,2)) as recognized,
    cast(r.underspend_credits as decimal(18,2)) as underspend_credits,
    cast(r.closing as decimal(18,2)) as closing,
    cast(greatest(r.closing, 0) as decimal(18,2)) as closing_deferred,
    cast(greatest(-r.closing, 0) as decimal(18,2)) as closing_unbilled,
    cl.currency
from running r
left join {{ ref('stg_contracting__clients') }} cl on cl.client_id = r.client_id
