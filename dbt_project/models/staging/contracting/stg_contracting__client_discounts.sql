-- One row per client discount period; discount_pct as a fraction.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    client_id,
    product_code,
    {{ pct_to_fraction('discount_pct') }} as discount_pct,
    effective_from,
    effective_to,
    _source_file
from {{ ref('base_contracting__client_discounts') }}
where _status = 'staged'
