-- One row per write-off.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    invoice_id,
    write_off_date,
    amount,
    reason,
    _source_file
from {{ ref('base_accounting__write_offs') }}
where _status = 'staged'
