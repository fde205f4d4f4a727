{#
  Accounts receivable aging (SPEC 2): days past due as of a day, from the due date or, with var
  aging_basis = 'invoice_date', from the invoice date; and the bucket of a number of days:
  current (<= 0), 1-30, 31-60, 61-90, 90+ (30 is in 1-30, 31 in 31-60). Used by ar_aging and
  weekly_flash.
#}
{% macro days_past_due(as_of_day, invoice_date, due_date) -%}
{{ dbt.datediff(invoice_date if var('aging_basis') == 'invoice_date' else due_date, as_of_day, 'day') }}
{%- endmacro %}

{% macro aging_bucket(days) -%}
(case
    when ({{ days }}) <= 0 then 'current'
    when ({{ days }}) <= 30 then '1-30'
    when ({{ days }}) <= 60 then '31-60'
    when ({{ days }}) <= 90 then '61-90'
    else '90+'
end)
{%- endmacro %}
