-- Contracting vs accounting, per contract (or invoice) and service month, one row per finding:
--   missing_invoice           expected billing > 0 for a service month up to the month of T, no line
--   amount_mismatch           invoiced differs from expected by more than 0.01
--   billed_after_cancellation lines for a service month after the contract's last month
--   invoice_without_contract  a line whose contract_id is empty or unknown
--   invoice_total_mismatch    an invoice header total different from the sum of its lines
-- expected billing = billable media + management fee (media) or the flat fee (flat), for every
-- service month the contract is active in up to the month after T's, and every later month an
-- invoice line names (billing in advance). Only invoices dated on or before T count.
-- A finding whose difference billing_error / dispute / goodwill credit memos dated on or before T
-- settle (for the contract and service month; for a header mismatch, memos applied to the
-- invoice) is kept, with resolved_by = the memo ids and credited_amount = their total.
with expected as (
    select contract_id, client_id, month, currency, billable_amount + management_fee as expected_amount
    from {{ ref('int_contract_months') }}
),

lines as (
    select l.*, i.client_id as invoice_client_id, i.currency as invoice_currency
    from {{ ref('stg_accounting__invoice_lines') }} l
    join {{ ref('stg_accounting__invoices') }} i on i.invoice_id = l.invoice_id
    where i.invoice_date <= {{ as_of() }}
        and l.line_type <> 'tax'  -- tax bills no contract: it only counts in the header total
),

invoiced as (
    select l.contract_id, l.service_month as month, sum(l.amount) as invoiced_amount,
        {{ agg_string('l.invoice_id', "','", distinct=true) }} as invoice_id
    from lines l
    join {{ ref('int_contracts') }} c on c.contract_id = l.contract_id
    group by 1, 2
),

memos as (
    select contract_id, service_month as month, sum(amount) as credited,
        {{ agg_string('credit_memo_id', "','") }} as memo_ids
    from {{ ref('stg_accounting__credit_memos') }}
    where reason <> 'underspend' and memo_date <= {{ as_of() }} and contract_id is not null
    group by 1, 2
),

invoice_memos as (
    select applied_invoice_id as invoice_id, sum(amount) as credited,
        {{ agg_string('credit_memo_id', "','") }} as memo_ids
    from {{ ref('stg_accounting__credit_memos') }}
    where reason <> 'underspend' and memo_date <= {{ as_of() }} and applied_invoice_id is not null
    group by 1
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
        c.currency,
        m.credited,
        m.memo_ids
    from expected e
    full outer join invoiced i on i.contract_id = e.contract_id and i.month = e.month
    join {{ ref('int_contracts') }} c on c.contract_id = coalesce(e.contract_id, i.contract_id)
    left join memos m
        on m.contract_id = coalesce(e.contract_id, i.contract_id) and m.month = coalesce(e.month, i.month)
),

findings as (
    select contract_id, invoice_id, service_month,
        case
            when invoiced_amount is null then 'missing_invoice'
            when end_date is not null and service_month > date_trunc('month', end_date) then 'billed_after_cancellation'
            else 'amount_mismatch'
        end as finding,
        expected_amount, coalesce(invoiced_amount, 0) as invoiced_amount, client_id, currency,
        credited, memo_ids
    from contract_months
    where (invoiced_amount is null and expected_amount > 0 and service_month <= {{ as_of_month() }})
       or (invoiced_amount is not null and abs(invoiced_amount - expected_amount) > 0.01)

    union all

    select l.contract_id, l.invoice_id, l.service_month, 'invoice_without_contract',
        cast(0 as decimal(18,2)), sum(l.amount), min(l.invoice_client_id), min(l.invoice_currency),
        cast(null as decimal(18,2)), cast(null as {{ dbt.type_string() }})
    from lines l
    left join {{ ref('int_contracts') }} c on c.contract_id = l.contract_id
    where c.contract_id is null
    group by l.contract_id, l.invoice_id, l.service_month

    union all

    select null, i.invoice_id, min(l.service_month), 'invoice_total_mismatch',
        coalesce(sum(l.amount), 0), i.total_amount, i.client_id, i.currency,
        min(im.credited), min(im.memo_ids)
    from {{ ref('stg_accounting__invoices') }} i
    left join {{ ref('stg_accounting__invoice_lines') }} l on l.invoice_id = i.invoice_id
    left join invoice_memos im on im.invoice_id = i.invoice_id
    where i.invoice_date <= {{ as_of() }}
    group by i.invoice_id, i.total_amount, i.client_id, i.currency
    having i.total_amount <> coalesce(sum(l.amount), 0)
),

-- names for the billing team's reports (billing_email stays in staging); narrow CTEs joined
-- with USING so the unqualified final select stays unambiguous
client_names as (
    select client_id, client_name, oem from {{ ref('dim_clients') }}
)

select
    contract_id,
    invoice_id,
    service_month,
    finding,
    cast(expected_amount as decimal(18,2)) as expected_amount,
    cast(invoiced_amount as decimal(18,2)) as invoiced_amount,
    cast(invoiced_amount - expected_amount as decimal(18,2)) as difference,
    cast(coalesce(credited, 0) as decimal(18,2)) as credited_amount,
    case
        when credited is not null and finding <> 'missing_invoice'
             and abs(invoiced_amount - credited - expected_amount) <= 0.01 then memo_ids
    end as resolved_by,
    client_id,
    currency,
    client_name,
    oem
from findings
left join client_names using (client_id)
