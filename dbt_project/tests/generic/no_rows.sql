{# A list that should stay empty (e.g. contract_compliance): every row is a failure. Use with
   severity warn for a list a person works through rather than a reason to stop a run. #}
{% test no_rows(model) %}
select * from {{ model }}
{% endtest %}
