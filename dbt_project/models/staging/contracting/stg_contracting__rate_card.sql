-- One row per product fee tier; fee_pct as a fraction.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    product_code,
    min_monthly_budget,
    max_monthly_budget,
    {{ pct_to_fraction('fee_pct') }} as fee_pct,
    _source_file
from {{ ref('base_contracting__rate_card') }}
where _status = 'staged'
