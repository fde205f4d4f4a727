-- One row per product.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    product_code,
    product_name,
    product_line,
    pricing_model,
    _source_file
from {{ ref('base_contracting__products') }}
where _status = 'staged'
