-- The weeks of the weekly flash: every ISO week (Monday start) from the first week with an invoice,
-- spend or contract day up to the week of T; week_end is the Sunday, or T for the week of T. Each
-- int_weekly_flash__<metric> model gives one figure per week_start as of week_end.
with bounds as (
    select least(
        (select min(invoice_date) from {{ ref('stg_accounting__invoices') }}),
        (select min(spend_date) from {{ ref('fct_ad_spend_daily') }}),
        (select min(day) from {{ ref('int_contract_days') }})) as first_day
)

select cast(w as date) as week_start, least(cast(w as date) + 6, {{ as_of() }}) as week_end
from bounds, {{ series_from("date_trunc('week', cast(first_day as timestamp))", "date_trunc('week', cast(" ~ as_of() ~ " as timestamp))", '7 day', 't', 'w') }}
