{#
  Convert an amount in `currency` to USD at the rate in force on `day` (latest rate on or
  before it; USD is 1), rounded to cents once. SPEC: a dated transaction converts at its date's
  rate; a monthly figure at the month's last day (T for the month of T) — pass that day.
#}
{% macro usd_rate(currency, day) -%}
(case when ({{ currency }}) = 'USD' then cast(1 as decimal(18,9)) else (
    select cast(r.usd_per_unit as decimal(18,9)) from {{ ref('int_fx_daily_rates') }} r
    where r.currency = ({{ currency }}) and r.rate_day = ({{ day }})) end)
{%- endmacro %}

{% macro to_usd(amount, currency, day) -%}
cast(round(cast(({{ amount }}) as decimal(38,2)) * {{ usd_rate(currency, day) }}, 2) as decimal(18,2))
{%- endmacro %}

{# The day a monthly figure converts at: the month's last day, or T for the month of T. #}
{% macro month_rate_day(month) -%}
least(cast(last_day({{ month }}) as date), {{ as_of() }})
{%- endmacro %}
