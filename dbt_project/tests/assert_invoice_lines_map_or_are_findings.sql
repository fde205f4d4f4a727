-- Every invoice line (on an invoice dated on or before T) maps to a known contract or is a finding.
select l.*
from {{ ref('stg_accounting__invoice_lines') }} l
join {{ ref('stg_accounting__invoices') }} i on i.invoice_id = l.invoice_id
left join {{ ref('int_contracts') }} c on c.contract_id = l.contract_id
where i.invoice_date <= {{ as_of() }}
  and c.contract_id is null
  and not exists (
    select 1 from {{ ref('billing_reconciliation') }} r
    where r.finding = 'invoice_without_contract' and r.invoice_id = l.invoice_id)
