-- One row per invoice header.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    invoice_id,
    client_id,
    invoice_date,
    due_date,
    currency,
    total_amount,
    _source_file
from {{ ref('base_accounting__invoices') }}
where _status = 'staged'
