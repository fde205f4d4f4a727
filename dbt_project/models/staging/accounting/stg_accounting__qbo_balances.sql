-- One row per QuickBooks document or customer with QuickBooks' own open balance as of its pull
-- (written by the QuickBooks Online connector). Only rows with status 'staged' (valid and current).
select
    doc_type,
    doc_id,
    client_id,
    currency,
    balance,
    pulled_at,
    nullif(trim(display_name), '') as display_name,
    _source_file
from {{ ref('base_accounting__qbo_balances') }}
where _status = 'staged'
