{# Every row of the QuickBooks tie-out ties (to the cent). Declared with severity warn: a
   difference is a WARN asset check in Dagster, shown in the UI, and never blocks a run. #}
{% test ties_to_quickbooks(model, column_name) %}
select * from {{ model }} where not {{ column_name }}
{% endtest %}
