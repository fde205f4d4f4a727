-- Spend per contract and month in the client's currency, counting only days the contract is
-- active (spend on other days is an exception, never billed); month to date = through T.
select
    contract_id,
    cast(date_trunc('month', spend_date) as date) as month,
    sum(spend) as spend,
    coalesce(sum(spend) filter (where spend_date <= {{ as_of() }}), 0.00) as spend_to_date,
    sum(spend_usd) as spend_usd
from {{ ref('int_ad_spend') }}
where is_contract_active
group by 1, 2
