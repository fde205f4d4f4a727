{# The as-of date T as a DATE literal. #}
{% macro as_of() -%}cast('{{ var("as_of") }}' as date){%- endmacro %}

{# Month of T (first day). #}
{% macro as_of_month() -%}cast(date_trunc('month', {{ as_of() }}) as date){%- endmacro %}

{# Last day generated in the contract-day backbone: end of the month after T's month, so
   invoices sent in advance for next month can be reconciled. #}
{% macro horizon_end() -%}cast(last_day({{ as_of() }} + interval 1 month) as date){%- endmacro %}
