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
        generate_series(cast(c.first_day as timestamp), cast(b.last_day as timestamp), interval '1 day') as _g(d)
)

select
    d.currency,
    d.rate_day,
    r.rate_date as rate_source_date,
    r.usd_per_unit
from days d
{%- if target.type == 'duckdb' %}
asof join {{ ref('stg_fx__fx_rates') }} r
    on r.currency = d.currency and d.rate_day >= r.rate_date
{%- else %}
join lateral (
    select _r.rate_date, _r.usd_per_unit from {{ ref('stg_fx__fx_rates') }} _r
    where _r.currency = d.currency and _r.rate_date <= d.rate_day
    order by _r.rate_date desc limit 1) r on true
{%- endif %}
