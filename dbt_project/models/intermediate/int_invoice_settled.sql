-- What has settled each invoice as of T: payments applied, credit memos applied, write-offs.
select invoice_id, sum(amount) as settled
from {{ ref('int_invoice_settlement_events') }}
where event_date <= {{ as_of() }}
group by 1
