-- One row per invoice line.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    invoice_id,
    line_no,
    contract_id,
    cast(date_trunc('month', service_month) as date) as service_month,
    line_type,
    amount,
    _source_file
from {{ ref('base_accounting__invoice_lines') }}
where _status = 'staged'
