-- Confirmation of the approved invoice runs against QuickBooks (SPEC 6): once QuickBooks' invoices
-- for the month land, each approved (or exported) draft invoice, per service month it bills, is
-- matched by client, currency and service month with the invoice lines QuickBooks holds (every
-- landed invoice, whatever its date; tax lines left out):
--   invoiced_as_drafted  the invoiced amount equals the drafted amount to the cent
--   difference           it does not (any difference, 0.01 included); difference = invoiced - drafted
--   not_invoiced         no QuickBooks line yet for that client, currency and service month
with drafted as (
    select l.invoice_month, l.invoice_no, l.client_id, l.currency, l.service_month, r.status as run_status,
        sum(l.amount) as drafted_amount
    from {{ ref('stg_closed__invoice_run_lines') }} l
    join {{ ref('stg_closed__invoice_runs') }} r on r.invoice_month = l.invoice_month
    group by 1, 2, 3, 4, 5, 6
),

invoiced as (
    select i.client_id, i.currency, l.service_month, sum(l.amount) as invoiced_amount,
        {{ agg_string('i.invoice_id', "','", distinct=true) }} as qbo_invoice_ids
    from {{ ref('stg_accounting__invoice_lines') }} l
    join {{ ref('stg_accounting__invoices') }} i on i.invoice_id = l.invoice_id
    where l.line_type <> 'tax'
    group by 1, 2, 3
)

select
    d.invoice_month,
    d.invoice_no,
    d.client_id,
    d.currency,
    d.service_month,
    d.run_status,
    cast(d.drafted_amount as decimal(18,2)) as drafted_amount,
    cast(i.invoiced_amount as decimal(18,2)) as invoiced_amount,
    cast(i.invoiced_amount - d.drafted_amount as decimal(18,2)) as difference,
    case
        when i.invoiced_amount is null then 'not_invoiced'
        when i.invoiced_amount = d.drafted_amount then 'invoiced_as_drafted'
        else 'difference'
    end as confirmation,
    i.qbo_invoice_ids
from drafted d
left join invoiced i on i.client_id = d.client_id and i.currency = d.currency and i.service_month = d.service_month
