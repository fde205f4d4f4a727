-- One row per contract.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    contract_id,
    client_id,
    product_code,
    program_code,
    start_date,
    end_date,
    _source_file
from {{ ref('base_contracting__contracts') }}
where _status = 'staged'
