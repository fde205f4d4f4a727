-- One row per payment received.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    payment_id,
    client_id,
    payment_date,
    amount,
    method,
    reference,
    currency,
    _source_file
from {{ ref('base_accounting__payments') }}
where _status = 'staged'
