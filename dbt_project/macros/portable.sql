{# Engine-portable helpers (pgprobe): DuckDB keeps its original construct, PostgreSQL gets an equivalent. #}

{# whole-string regex match #}
{% macro rx_full(expr, pattern) -%}{{ return(adapter.dispatch('rx_full')(expr, pattern)) }}{%- endmacro %}
{% macro default__rx_full(expr, pattern) -%}regexp_full_match({{ expr }}, '{{ pattern }}'){%- endmacro %}
{% macro postgres__rx_full(expr, pattern) -%}(({{ expr }}) ~ '^(?:{{ pattern }})$'){%- endmacro %}

{# regex search anywhere #}
{% macro rx_search(expr, pattern) -%}{{ return(adapter.dispatch('rx_search')(expr, pattern)) }}{%- endmacro %}
{% macro default__rx_search(expr, pattern) -%}regexp_matches({{ expr }}, '{{ pattern }}'){%- endmacro %}
{% macro postgres__rx_search(expr, pattern) -%}(({{ expr }}) ~ '{{ pattern }}'){%- endmacro %}

{# cast that yields NULL instead of an error; PG15 has no try_cast / pg_input_is_valid, so a helper
   function installed by the on-run-start hook revwh_install_helpers() #}
{% macro try_cast_to(expr, type) -%}{{ return(adapter.dispatch('try_cast_to')(expr, type)) }}{%- endmacro %}
{% macro default__try_cast_to(expr, type) -%}try_cast({{ expr }} as {{ type }}){%- endmacro %}
{% macro postgres__try_cast_to(expr, type) -%}{{ target.schema }}.revwh_try_{{ type }}({{ expr }}){%- endmacro %}

{% macro revwh_install_helpers() -%}{{ return(adapter.dispatch('revwh_install_helpers')()) }}{%- endmacro %}
{% macro default__revwh_install_helpers() -%}select 1{%- endmacro %}
{% macro postgres__revwh_install_helpers() -%}
create schema if not exists {{ target.schema }};
{%- for t in ['date', 'timestamp', 'timestamptz'] %}
create or replace function {{ target.schema }}.revwh_try_{{ t }}(v text) returns {{ t }}
language plpgsql immutable as $f$
begin return v::{{ t }}; exception when others then return null; end $f$;
{%- endfor %}
{%- endmacro %}

{# JSON object of named columns, in order: [(key, expr), ...] #}
{% macro json_object(pairs) -%}{{ return(adapter.dispatch('json_object')(pairs)) }}{%- endmacro %}
{% macro default__json_object(pairs) -%}to_json(struct_pack({% for k, e in pairs %}"{{ k }}" := {{ e }}{{ "," if not loop.last }}{% endfor %})){%- endmacro %}
{% macro postgres__json_object(pairs) -%}cast(json_build_object({% for k, e in pairs %}'{{ k }}', {{ e }}{{ "," if not loop.last }}{% endfor %}) as text){%- endmacro %}

{# list of text items without its NULLs, and its length #}
{% macro compact_list(items) -%}{{ return(adapter.dispatch('compact_list')(items)) }}{%- endmacro %}
{% macro default__compact_list(items) -%}list_filter([{{ items | join(', ') }}], lambda x: x is not null){%- endmacro %}
{% macro postgres__compact_list(items) -%}array_remove(array[{{ items | join(', ') }}]::text[], null){%- endmacro %}
{% macro list_len(expr) -%}{{ return(adapter.dispatch('list_len')(expr)) }}{%- endmacro %}
{% macro default__list_len(expr) -%}len({{ expr }}){%- endmacro %}
{% macro postgres__list_len(expr) -%}cardinality({{ expr }}){%- endmacro %}

{# last day of the month of a date, as DATE #}
{% macro month_end(expr) -%}{{ return(adapter.dispatch('month_end')(expr)) }}{%- endmacro %}
{% macro default__month_end(expr) -%}last_day({{ expr }}){%- endmacro %}
{% macro postgres__month_end(expr) -%}cast(date_trunc('month', cast({{ expr }} as timestamp)) + interval '1 month - 1 day' as date){%- endmacro %}

{# 'YYYY-MM' of a date #}
{% macro year_month_text(expr) -%}{{ return(adapter.dispatch('year_month_text')(expr)) }}{%- endmacro %}
{% macro default__year_month_text(expr) -%}strftime({{ expr }}, '%Y-%m'){%- endmacro %}
{% macro postgres__year_month_text(expr) -%}to_char({{ expr }}, 'YYYY-MM'){%- endmacro %}

{# value at the greatest `by` #}
{% macro arg_max_of(expr, by) -%}{{ return(adapter.dispatch('arg_max_of')(expr, by)) }}{%- endmacro %}
{% macro default__arg_max_of(expr, by) -%}arg_max({{ expr }}, {{ by }}){%- endmacro %}
{% macro postgres__arg_max_of(expr, by) -%}(array_agg({{ expr }} order by {{ by }} desc))[1]{%- endmacro %}

{# "item" is one of the '|'-separated (trimmed) entries of `list_text` #}
{% macro in_pipe_list(item, list_text) -%}{{ return(adapter.dispatch('in_pipe_list')(item, list_text)) }}{%- endmacro %}
{% macro default__in_pipe_list(item, list_text) -%}list_contains(list_transform(string_split({{ list_text }}, '|'), lambda x: trim(x)), {{ item }}){%- endmacro %}
{% macro postgres__in_pipe_list(item, list_text) -%}exists (select 1 from unnest(string_to_array({{ list_text }}, '|')) _e(v) where trim(_e.v) = {{ item }}){%- endmacro %}

{# physical row id of a table row #}
{% macro row_locator() -%}{{ return(adapter.dispatch('row_locator')()) }}{%- endmacro %}
{% macro default__row_locator() -%}rowid{%- endmacro %}
{% macro postgres__row_locator() -%}ctid{%- endmacro %}

{# exact decimal division rounded half away from zero: PG numeric has exact div() and no hugeint #}
{% macro postgres__div_round(numerator, denominator, scale=2) -%}
{%- set n = "abs(cast((" ~ numerator ~ ") as numeric(38,10)) * 10000000000)" -%}
{%- set d = "abs(cast((" ~ denominator ~ ") as numeric(38,10)) * 10000000000)" -%}
(case
  when ({{ denominator }}) is null or ({{ denominator }}) = 0 or ({{ numerator }}) is null then null
  else cast(
      sign(cast(({{ numerator }}) as numeric)) * sign(cast(({{ denominator }}) as numeric))
      * div(trunc({{ n }}) * {{ 10 ** scale }} * 2 + trunc({{ d }}), 2 * trunc({{ d }}))
      * cast('{{ "%.*f" | format(scale, 10 ** (-scale)) }}' as numeric)
    as decimal(18,{{ scale }}))
end)
{%- endmacro %}
