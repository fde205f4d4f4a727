-- One row per currency and rate date.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    rate_date,
    currency,
    usd_per_unit,
    _source_file
from {{ ref('base_fx__fx_rates') }}
where _status = 'staged'
