-- One rate per listed non-USD currency and calendar day from that currency's first rate on: the
-- latest rate on or before that day (SPEC: a day without a rate uses the latest earlier rate).
-- USD is 1 and is not listed. A day before a currency's first rate has no row: conversions that
-- need it are missing_fx_rate exceptions (int_fx_missing_rates).
with bounds as (
    select greatest(max(rate_date), {{ horizon_end() }}) as last_day
    from {{ ref('stg_fx__fx_rates') }}
),

currencies as (
    select currency, min(rate_date) as first_day
    from {{ ref('stg_fx__fx_rates') }}
    where currency <> 'USD'
    group by 1
),

days as (
    select c.currency, cast(_g.d as date) as rate_day
    from currencies c cross join bounds b,
        {{ series_from('cast(c.first_day as timestamp)', 'cast(b.last_day as timestamp)', '1 day', '_g', 'd') }}
)

select
    d.currency,
    d.rate_day,
    r.rate_date as rate_source_date,
    r.usd_per_unit
from days d
{{ asof_join('days', 'd', ref('stg_fx__fx_rates'), 'r', ('currency', 'currency'), 'rate_day', 'rate_date',
             ['rate_date', 'usd_per_unit']) }}
