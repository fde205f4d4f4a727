-- Conformed product dimension: one row per staged product, the name, line and pricing model the
-- marts show beside a product_code.
select
    product_code,
    product_name,
    product_line,
    pricing_model
from {{ ref('stg_contracting__products') }}
