-- Weekly flash, spend: platform spend in USD dated in the week, up to T (fct_ad_spend_daily).
select cast(date_trunc('week', spend_date) as date) as week_start, sum(spend_usd) as usd
from {{ ref('fct_ad_spend_daily') }}
where spend_date <= {{ as_of() }}
group by 1
