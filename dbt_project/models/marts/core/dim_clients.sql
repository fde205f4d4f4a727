-- Conformed client (dealer) dimension: one row per staged client, the names and attributes the
-- marts show beside a client_id. The billing e-mail (personal data) stays in staging.
select
    client_id,
    client_name,
    oem,
    country,
    currency
from {{ ref('stg_contracting__clients') }}
