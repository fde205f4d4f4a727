-- One row per platform, ad account and day that some pull covered, with the latest covering
-- extraction (covered_at). Spend rows of that account-day extracted earlier are superseded.
with days as (
    select
        platform,
        account_id,
        cast(_g.d as date) as spend_date,
        extracted_at
    from {{ ref('base_ads__ad_coverage') }} a,
        {{ series_from('cast(a.start_date as timestamp)', 'cast(a.end_date as timestamp)', '1 day', '_g', 'd') }}
    where _status = 'staged'
)

select platform, account_id, spend_date, max(extracted_at) as covered_at
from days
group by 1, 2, 3
