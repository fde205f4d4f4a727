-- One row per credit memo.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    credit_memo_id,
    client_id,
    contract_id,
    cast(date_trunc('month', service_month) as date) as service_month,
    memo_date,
    amount,
    reason,
    applied_invoice_id,
    _source_file
from {{ ref('base_accounting__credit_memos') }}
where _status = 'staged'
