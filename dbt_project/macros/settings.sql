{# The as-of date T as a DATE literal. #}
{% macro as_of() -%}cast('{{ var("as_of") }}' as date){%- endmacro %}

{# Month of T (first day). #}
{% macro as_of_month() -%}cast(date_trunc('month', {{ as_of() }}) as date){%- endmacro %}

{# Last day generated in the contract-day backbone: the end of the month after T's month, or
   later when an invoice dated on or before T bills a later service month (billing in advance,
   SPEC 5: expected billing covers every month an invoice line names), at most 12 months after
   T's month. #}
{% macro horizon_end() -%}
cast(greatest(
    last_day({{ as_of() }} + interval 1 month),
    least(
        last_day({{ as_of() }} + interval 12 month),
        coalesce((
            select max(last_day(_hl.service_month))
            from {{ ref('stg_accounting__invoice_lines') }} _hl
            join {{ ref('stg_accounting__invoices') }} _hi on _hi.invoice_id = _hl.invoice_id
            where _hi.invoice_date <= {{ as_of() }}), last_day({{ as_of() }})))) as date)
{%- endmacro %}
