-- One row per client (dealer).
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    client_id,
    client_name,
    oem,
    country,
    currency,
    billing_email,
    _source_file
from {{ ref('base_contracting__clients') }}
where _status = 'staged'
