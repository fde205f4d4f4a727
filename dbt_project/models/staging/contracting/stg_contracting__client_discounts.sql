-- One row per client discount period; discount_pct as a fraction.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    client_id,
    product_code,
    cast(case when discount_pct > 1 then discount_pct * 0.01 else discount_pct end as decimal(18,9)) as discount_pct,
    effective_from,
    effective_to,
    _source_file
from {{ ref('base_contracting__client_discounts') }}
where _status = 'staged'
