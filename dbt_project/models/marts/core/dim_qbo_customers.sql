-- Conformed QuickBooks customer dimension: per client and currency, the QuickBooks customer whose
-- AcctNum is the client_id (QuickBooks customers hold one currency), from the pull's qbo_balances
-- customer rows; the lowest Id when several share it. Empty before any QuickBooks pull. What the
-- credit run and the invoice run's import file name as Customer (QuickBooks matches it by name).
with qbo_customers as (
    select client_id, currency, min(doc_id) as qbo_customer_id
    from {{ ref('stg_accounting__qbo_balances') }}
    where doc_type = 'customer'
    group by 1, 2
)

select
    q.client_id,
    q.currency,
    q.qbo_customer_id,
    b.display_name as qbo_customer_name
from qbo_customers q
join {{ ref('stg_accounting__qbo_balances') }} b
    on b.doc_type = 'customer' and b.doc_id = q.qbo_customer_id
