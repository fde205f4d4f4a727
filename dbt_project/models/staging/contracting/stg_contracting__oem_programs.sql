-- One row per OEM co-op program; coop_share_pct as a fraction.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    program_code,
    oem,
    {{ pct_to_fraction('coop_share_pct') }} as coop_share_pct,
    monthly_cap,
    eligible_products,
    start_date,
    end_date,
    claim_window_days,
    _source_file
from {{ ref('base_contracting__oem_programs') }}
where _status = 'staged'
