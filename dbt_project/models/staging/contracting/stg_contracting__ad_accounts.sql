-- One row per ad account and contract it is mapped to (a renewal keeps its account: several
-- contracts over time); account ids normalized in base (macros/normalize_account_id.sql).
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    platform,
    account_id,
    contract_id,
    _source_file
from {{ ref('base_contracting__ad_accounts') }}
where _status = 'staged'
