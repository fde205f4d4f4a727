-- Contracting vs accounting, per contract (or invoice) and service month, one row per finding:
--   missing_invoice           expected billing > 0 for a service month up to the month of T, no line
--   amount_mismatch           invoiced differs from expected by more than 0.01
--   billed_after_cancellation lines for a service month after the contract's last month
--   invoice_without_contract  a line whose contract_id is empty or unknown
--   invoice_total_mismatch    an invoice header total different from the sum of its lines
-- expected billing = billable media + management fee (media) or the flat fee (flat). Only
-- invoices dated on or before T count.
with expected as (
    select contract_id, client_id, month, currency, billable_amount + management_fee as expected_amount
    from {{ ref('int_contract_months') }}
),

lines as (
    select l.*, i.client_id as invoice_client_id, i.currency as invoice_currency
    from {{ ref('stg_accounting__invoice_lines') }} l
    join {{ ref('stg_accounting__invoices') }} i on i.invoice_id = l.invoice_id
    where i.invoice_date <= {{ as_of() }}
),

invoiced as (
    select l.contract_id, l.service_month as month, sum(l.amount) as invoiced_amount,
        string_agg(distinct l.invoice_id, ',' order by l.invoice_id) as invoice_id
    from lines l
    join {{ ref('int_contracts') }} c on c.contract_id = l.contract_id
    group by 1, 2
),

contract_months as (
    select
        coalesce(e.contract_id, i.contract_id) as contract_id,
        coalesce(e.month, i.month) as service_month,
        i.invoice_id,
        coalesce(e.expected_amount, 0) as expected_amount,
        i.invoiced_amount,
        c.end_date,
        c.client_id,
        c.currency
    from expected e
    full outer join invoiced i on i.contract_id = e.contract_id and i.month = e.month
    join {{ ref('int_contracts') }} c on c.contract_id = coalesce(e.contract_id, i.contract_id)
),

findings as (
    select contract_id, invoice_id, service_month,
        case
            when invoiced_amount is null then 'missing_invoice'
            when end_date is not null and service_month > date_trunc('month', end_date) then 'billed_after_cancellation'
            else 'amount_mismatch'
        end as finding,
        expected_amount, coalesce(invoiced_amount, 0) as invoiced_amount, client_id, currency
    from contract_months
    where (invoiced_amount is null and expected_amount > 0 and service_month <= {{ as_of_month() }})
       or (invoiced_amount is not null and abs(invoiced_amount - expected_amount) > 0.01)

    union all

    select l.contract_id, l.invoice_id, l.service_month, 'invoice_without_contract',
        cast(0 as decimal(18,2)), sum(l.amount), any_value(l.invoice_client_id), any_value(l.invoice_currency)
    from lines l
    left join {{ ref('int_contracts') }} c on c.contract_id = l.contract_id
    where c.contract_id is null
    group by l.contract_id, l.invoice_id, l.service_month

    union all

    select null, i.invoice_id, min(l.service_month), 'invoice_total_mismatch',
        coalesce(sum(l.amount), 0), i.total_amount, i.client_id, i.currency
    from {{ ref('stg_accounting__invoices') }} i
    left join {{ ref('stg_accounting__invoice_lines') }} l on l.invoice_id = i.invoice_id
    where i.invoice_date <= {{ as_of() }}
    group by i.invoice_id, i.total_amount, i.client_id, i.currency
    having i.total_amount <> coalesce(sum(l.amount), 0)
)

select
    contract_id,
    invoice_id,
    service_month,
    finding,
    cast(expected_amount as decimal(18,2)) as expected_amount,
    cast(invoiced_amount as decimal(18,2)) as invoiced_amount,
    cast(invoiced_amount - expected_amount as decimal(18,2)) as difference,
    client_id,
    currency
from findings
