-- One row per contract and effective date.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    contract_id,
    effective_date,
    monthly_amount,
    _source_file
from {{ ref('base_contracting__budget_schedule') }}
where _status = 'staged'
