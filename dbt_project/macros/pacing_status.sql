{#
  Pacing status (SPEC 2), comparing exact decimals (spend against threshold x expected), not the
  rounded ratio: 1349.99 / 1500.00 shows as 0.9000 but is 'under'.
    not_started  no active day of the month on or before the as-of day
    over         expected is 0 and something was spent
    under / over spend below lower / above upper threshold x expected; else on_track
  Used by budget_pacing and weekly_flash, so the two never disagree.
#}
{% macro pacing_status(spend, expected, active_days_to_date) -%}
(case
    when ({{ active_days_to_date }}) = 0 then 'not_started'
    when ({{ expected }}) = 0 then case when ({{ spend }}) > 0 then 'over' else 'on_track' end
    when ({{ spend }}) < cast({{ var('pacing_under_threshold') }} as decimal(18,6)) * ({{ expected }}) then 'under'
    when ({{ spend }}) > cast({{ var('pacing_over_threshold') }} as decimal(18,6)) * ({{ expected }}) then 'over'
    else 'on_track'
end)
{%- endmacro %}
