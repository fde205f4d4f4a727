{# The as-of date T as a DATE literal. A revwh run hands T over in REVWH_DBT_AS_OF, read only
   when dbt executes (not while it parses), so a new T every night does not force dbt to re-parse
   the whole project the way a changed --vars value does (orchestration/pipeline/dbt_assets.py). dbt's
   own commands (unit tests, docs) use the var, which unit tests override. #}
{% macro as_of() -%}
{%- if execute and env_var('REVWH_DBT_AS_OF', '') -%}
cast('{{ env_var("REVWH_DBT_AS_OF") }}' as date)
{%- else -%}
cast('{{ var("as_of") }}' as date)
{%- endif -%}
{%- endmacro %}

{# Month of T (first day). #}
{% macro as_of_month() -%}cast(date_trunc('month', {{ as_of() }}) as date){%- endmacro %}

{# Last day generated in the contract-day backbone: the end of the month after T's month, or
   later when an invoice dated on or before T bills a later service month (billing in advance,
   SPEC 5: expected billing covers every month an invoice line names), at most 12 months after
   T's month. #}
{% macro horizon_end() -%}
cast(greatest(
    {{ dbt.last_day(as_of() ~ " + interval '1 month'", 'month') }},
    least(
        {{ dbt.last_day(as_of() ~ " + interval '12 month'", 'month') }},
        coalesce((
            select max({{ dbt.last_day('_hl.service_month', 'month') }})
            from {{ ref('stg_accounting__invoice_lines') }} _hl
            join {{ ref('stg_accounting__invoices') }} _hi on _hi.invoice_id = _hl.invoice_id
            where _hi.invoice_date <= {{ as_of() }}), {{ dbt.last_day(as_of(), 'month') }}))) as date)
{%- endmacro %}

{# The invoice run's draft month m (first day): var invoice_month (YYYY-MM or YYYY-MM-DD) when
   given, else the month after T's month (billing in advance, SPEC 6). #}
{% macro invoice_month() -%}
{%- set m = var('invoice_month', '') | string | trim -%}
{%- if m -%}
cast('{{ m[:7] }}-01' as date)
{%- else -%}
cast({{ as_of_month() }} + interval '1 month' as date)
{%- endif -%}
{%- endmacro %}

{# The product codes billed in arrears (var arrears_products: a list, or one comma-separated
   text), as a SQL list for `in (...)`; (null) when none, so `x in (null)` is never true. #}
{% macro arrears_products_sql() -%}
{%- set v = var('arrears_products', []) -%}
{%- if v is string -%}{%- set v = v.split(',') -%}{%- endif -%}
{%- set codes = [] -%}
{%- for c in v -%}{%- if c | string | trim -%}{%- do codes.append(c | string | trim) -%}{%- endif -%}{%- endfor -%}
{%- if codes -%}({% for c in codes %}'{{ c | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor %}){%- else -%}(null){%- endif -%}
{%- endmacro %}

{# var net_credits_in_invoice_run as a SQL boolean (true, 'true', '1' or 'yes' are true). #}
{% macro net_credits_in_invoice_run() -%}
{%- set v = var('net_credits_in_invoice_run', false) | string | lower | trim -%}
{{ 'true' if v in ('true', '1', 'yes') else 'false' }}
{%- endmacro %}
