-- One row per ad account, with the contract its spend belongs to.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    platform,
    case platform when 'google_ads' then replace(account_id, '-', '') when 'meta_ads' then regexp_replace(account_id, '^act_', '') else account_id end as account_id,
    contract_id,
    _source_file
from {{ ref('base_contracting__ad_accounts') }}
where _status = 'staged'
