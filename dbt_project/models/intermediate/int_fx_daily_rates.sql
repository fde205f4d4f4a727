-- One rate per non-USD currency and calendar day: the latest rate on or before that day
-- (SPEC: a day without a rate uses the latest earlier rate). USD is 1 and is not listed.
with bounds as (
    select
        min(rate_date) as first_day,
        greatest(max(rate_date), {{ horizon_end() }}) as last_day
    from {{ ref('stg_fx__fx_rates') }}
),

days as (
    select cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as rate_day
    from bounds
),

currencies as (
    select distinct currency from {{ ref('stg_fx__fx_rates') }} where currency <> 'USD'
)

select
    c.currency,
    d.rate_day,
    r.rate_date as rate_source_date,
    r.usd_per_unit
from days d
cross join currencies c
asof join {{ ref('stg_fx__fx_rates') }} r
    on r.currency = c.currency and d.rate_day >= r.rate_date
