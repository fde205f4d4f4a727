-- One row per payment applied to an invoice.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    payment_id,
    invoice_id,
    amount_applied,
    _source_file
from {{ ref('base_accounting__payment_applications') }}
where _status = 'staged'
