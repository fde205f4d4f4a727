{#
  Currency conversion (SPEC 3 and 5). A dated transaction converts at its date's rate, a monthly
  figure at the month's last day (T for the month of T): pass that day. A day without a rate uses
  the latest earlier rate; USD is 1. With no rate on or before the day the result is NULL: the
  amount is left out of the USD sum and reported as `missing_fx_rate` in data_exceptions
  (int_fx_missing_rates), never silently.

  The rate lookup is a scalar subquery over a derived table whose columns have names no caller
  uses (_fx_currency, _fx_day): an unqualified `currency` passed in must resolve to the caller's
  row, not to the rate table (which returned every currency's rate for the day).
#}
{% macro usd_rate(currency, day) -%}
(case when ({{ currency }}) = 'USD' then cast(1 as decimal(18,9)) else (
    select _fx.rate from (
        select currency as _fx_currency, rate_day as _fx_day, cast(usd_per_unit as decimal(18,9)) as rate
        from {{ ref('int_fx_daily_rates') }}) _fx
    where _fx._fx_currency = ({{ currency }}) and _fx._fx_day = ({{ day }})) end)
{%- endmacro %}

{# Amount in `currency` to USD at `day`'s rate, rounded to cents once; NULL without a rate. #}
{% macro to_usd(amount, currency, day) -%}
cast(round(cast(({{ amount }}) as decimal(38,2)) * {{ usd_rate(currency, day) }}, 2) as decimal(18,2))
{%- endmacro %}

{# The day a monthly figure converts at: the month's last day, or T for the month of T. #}
{% macro month_rate_day(month) -%}
least(cast({{ dbt.last_day(month, 'month') }} as date), {{ as_of() }})
{%- endmacro %}

{# An amount at one currency's USD rate converted to another's (SPEC 2: through USD at the day's
   rates), amount x from_rate / to_rate, rounded half away from zero to cents once; NULL when a
   rate is NULL. to_rate = 1 gives USD. #}
{% macro convert_through_usd(amount, from_rate, to_rate) -%}
{{ div_round('cast(' ~ amount ~ ' as decimal(38,6)) * cast(' ~ from_rate ~ ' as decimal(38,9))', to_rate, 2) }}
{%- endmacro %}
