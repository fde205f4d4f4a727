{# Engine-portable helpers (pgprobe, sparkprobe): DuckDB keeps its original construct, PostgreSQL and
   Spark (dbt-spark, Spark SQL 4 with ANSI mode off, as dbt-spark sets it) get an equivalent. #}

{# whole-string regex match #}
{% macro rx_full(expr, pattern) -%}{{ return(adapter.dispatch('rx_full')(expr, pattern)) }}{%- endmacro %}
{% macro default__rx_full(expr, pattern) -%}regexp_full_match({{ expr }}, '{{ pattern }}'){%- endmacro %}
{% macro postgres__rx_full(expr, pattern) -%}(({{ expr }}) ~ '^(?:{{ pattern }})$'){%- endmacro %}
{% macro spark__rx_full(expr, pattern) -%}(({{ expr }}) rlike '^(?:{{ pattern | replace('\\', '\\\\') }})$'){%- endmacro %}

{# regex search anywhere #}
{% macro rx_search(expr, pattern) -%}{{ return(adapter.dispatch('rx_search')(expr, pattern)) }}{%- endmacro %}
{% macro default__rx_search(expr, pattern) -%}regexp_matches({{ expr }}, '{{ pattern }}'){%- endmacro %}
{% macro postgres__rx_search(expr, pattern) -%}(({{ expr }}) ~ '{{ pattern }}'){%- endmacro %}
{% macro spark__rx_search(expr, pattern) -%}(({{ expr }}) rlike '{{ pattern | replace('\\', '\\\\') }}'){%- endmacro %}

{# cast that yields NULL instead of an error; PG15 has no try_cast / pg_input_is_valid, so a helper
   function installed by the on-run-start hook revwh_install_helpers(). Not dbt.safe_cast: on
   PostgreSQL that is a plain cast, which fails on a bad value. #}
{% macro try_cast_to(expr, type) -%}{{ return(adapter.dispatch('try_cast_to')(expr, type)) }}{%- endmacro %}
{% macro default__try_cast_to(expr, type) -%}try_cast({{ expr }} as {{ type }}){%- endmacro %}
{% macro postgres__try_cast_to(expr, type) -%}{{ target.schema }}.revwh_try_{{ type }}({{ expr }}){%- endmacro %}
{# Spark: timestamptz is TIMESTAMP (with local time zone: the session's, UTC in the profile) #}
{% macro spark__try_cast_to(expr, type) -%}try_cast({{ expr }} as {{ {'timestamptz': 'timestamp'}.get(type, type) }}){%- endmacro %}

{# a timestamp with time zone as the naive UTC timestamp; on Spark a TIMESTAMP is already shown in
   the session time zone, which the profile sets to UTC #}
{% macro utc_naive(expr) -%}{{ return(adapter.dispatch('utc_naive')(expr)) }}{%- endmacro %}
{% macro default__utc_naive(expr) -%}timezone('UTC', {{ expr }}){%- endmacro %}
{% macro spark__utc_naive(expr) -%}{{ expr }}{%- endmacro %}

{% macro revwh_install_helpers() -%}{{ return(adapter.dispatch('revwh_install_helpers')()) }}{%- endmacro %}
{% macro default__revwh_install_helpers() -%}select 1{%- endmacro %}
{# Spark: declare the landed tables a `--target spark` run exported to Parquet (ingest/spark_raw.py)
   as external tables raw.<table> / closed.<table>, re-declared on every run so that a column added
   to the landing contract is seen. REVWH_SPARK_RAW_TABLES lists them (schema.table, comma
   separated); unset (dbt's own commands), nothing is declared. #}
{% macro spark__revwh_install_helpers() -%}
{%- if execute and env_var('REVWH_SPARK_RAW_TABLES', '') -%}
{%- set root = env_var('REVWH_SPARK_DIR') ~ '/landing' -%}
{%- set qualified = env_var('REVWH_SPARK_RAW_TABLES').split(',') -%}
{%- set schemas = [] -%}
{%- for name in qualified %}{% set schema = name.split('.')[0] %}{% if schema not in schemas %}{% do schemas.append(schema) %}{% endif %}{% endfor -%}
{%- for schema in schemas %}{% do run_query('create database if not exists ' ~ schema) %}{% endfor -%}
{%- for name in qualified -%}
{%- set schema, table = name.split('.', 1) -%}
{%- do run_query('drop table if exists ' ~ schema ~ '.`' ~ table ~ '`') -%}
{%- do run_query('create table ' ~ schema ~ '.`' ~ table ~ "` using parquet location '" ~ root ~ '/' ~ schema ~ '/' ~ table ~ "'") -%}
{%- endfor -%}
{%- endif -%}
select 1
{%- endmacro %}
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
{# Spark's to_json drops NULL fields unless told not to #}
{% macro spark__json_object(pairs) -%}to_json(named_struct({% for k, e in pairs %}'{{ k }}', {{ e }}{{ "," if not loop.last }}{% endfor %}), map('ignoreNullFields', 'false')){%- endmacro %}

{# list of text items without its NULLs, and its length #}
{% macro compact_list(items) -%}{{ return(adapter.dispatch('compact_list')(items)) }}{%- endmacro %}
{% macro default__compact_list(items) -%}list_filter([{{ items | join(', ') }}], lambda x: x is not null){%- endmacro %}
{% macro postgres__compact_list(items) -%}array_remove(array[{{ items | join(', ') }}]::text[], null){%- endmacro %}
{% macro spark__compact_list(items) -%}filter(array({{ items | join(', ') }}), x -> x is not null){%- endmacro %}
{% macro list_len(expr) -%}{{ return(adapter.dispatch('list_len')(expr)) }}{%- endmacro %}
{% macro default__list_len(expr) -%}len({{ expr }}){%- endmacro %}
{% macro postgres__list_len(expr) -%}cardinality({{ expr }}){%- endmacro %}
{% macro spark__list_len(expr) -%}size({{ expr }}){%- endmacro %}

{# The last day of a date's month is dbt.last_day(expr, 'month') and whole days between two DATEs
   dbt.datediff(start, end, 'day'): the same DATE / integer on DuckDB, PostgreSQL and Spark
   (dbt-spark's datediff is Spark's datediff; its last_day goes through dbt.dateadd), so revwh keeps
   no macro of its own for them. #}

{# 'YYYY-MM' of a date #}
{% macro year_month_text(expr) -%}{{ return(adapter.dispatch('year_month_text')(expr)) }}{%- endmacro %}
{% macro default__year_month_text(expr) -%}strftime({{ expr }}, '%Y-%m'){%- endmacro %}
{% macro postgres__year_month_text(expr) -%}to_char({{ expr }}, 'YYYY-MM'){%- endmacro %}
{% macro spark__year_month_text(expr) -%}date_format({{ expr }}, 'yyyy-MM'){%- endmacro %}

{# value at the greatest `by` #}
{% macro arg_max_of(expr, by) -%}{{ return(adapter.dispatch('arg_max_of')(expr, by)) }}{%- endmacro %}
{% macro default__arg_max_of(expr, by) -%}arg_max({{ expr }}, {{ by }}){%- endmacro %}
{% macro postgres__arg_max_of(expr, by) -%}(array_agg({{ expr }} order by {{ by }} desc))[1]{%- endmacro %}
{% macro spark__arg_max_of(expr, by) -%}max_by({{ expr }}, {{ by }}){%- endmacro %}

{# "item" is one of the '|'-separated (trimmed) entries of `list_text` #}
{% macro in_pipe_list(item, list_text) -%}{{ return(adapter.dispatch('in_pipe_list')(item, list_text)) }}{%- endmacro %}
{% macro default__in_pipe_list(item, list_text) -%}list_contains(list_transform(string_split({{ list_text }}, '|'), lambda x: trim(x)), {{ item }}){%- endmacro %}
{% macro postgres__in_pipe_list(item, list_text) -%}exists (select 1 from unnest(string_to_array({{ list_text }}, '|')) _e(v) where trim(_e.v) = {{ item }}){%- endmacro %}
{% macro spark__in_pipe_list(item, list_text) -%}array_contains(transform(split({{ list_text }}, '[|]'), x -> trim(x)), {{ item }}){%- endmacro %}

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

{# sparkprobe: constructs Spark lacks or spells differently #}

{# SQL written with double-quoted identifiers (the contract's row_checks): Spark quotes with backticks #}
{% macro quoted_sql(sql) -%}{{ return(adapter.dispatch('quoted_sql')(sql)) }}{%- endmacro %}
{% macro default__quoted_sql(sql) -%}{{ sql }}{%- endmacro %}
{% macro spark__quoted_sql(sql) -%}{{ sql | replace('"', '`') }}{%- endmacro %}

{# a list's items joined by a separator (SQL text), and its first item #}
{% macro list_join(expr, sep) -%}{{ return(adapter.dispatch('list_join')(expr, sep)) }}{%- endmacro %}
{% macro default__list_join(expr, sep) -%}array_to_string({{ expr }}, {{ sep }}){%- endmacro %}
{% macro spark__list_join(expr, sep) -%}array_join({{ expr }}, {{ sep }}){%- endmacro %}
{% macro list_first(expr) -%}{{ return(adapter.dispatch('list_first')(expr)) }}{%- endmacro %}
{% macro default__list_first(expr) -%}{{ expr }}[1]{%- endmacro %}
{% macro spark__list_first(expr) -%}element_at({{ expr }}, 1){%- endmacro %}

{# regexp_replace with DuckDB/PostgreSQL flags ('g' every match, 'i' case-insensitive); Spark always
   replaces every match and takes 'i' as (?i) in the pattern #}
{% macro rx_replace(expr, pattern, replacement, flags='') -%}{{ return(adapter.dispatch('rx_replace')(expr, pattern, replacement, flags)) }}{%- endmacro %}
{% macro default__rx_replace(expr, pattern, replacement, flags='') -%}regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', '{{ flags }}'){%- endmacro %}
{% macro spark__rx_replace(expr, pattern, replacement, flags='') -%}regexp_replace({{ expr }}, '{{ "(?i)" if "i" in flags }}{{ pattern | replace('\\', '\\\\') }}', '{{ replacement }}'){%- endmacro %}

{# string_agg([distinct] value, sep order by value) as an aggregate. Kept beside dbt.listagg (used
   where it gives the same text): dbt.listagg has no DISTINCT, and on Spark it ignores the order
   (collect_list order is not defined), where this sorts the collected values. #}
{% macro agg_string(value, sep, distinct=false) -%}{{ return(adapter.dispatch('agg_string')(value, sep, distinct)) }}{%- endmacro %}
{% macro default__agg_string(value, sep, distinct=false) -%}
{%- if distinct -%}string_agg(distinct {{ value }}, {{ sep }} order by {{ value }})
{%- else -%}{{ dbt.listagg(value, sep, 'order by ' ~ value) }}{%- endif -%}
{%- endmacro %}
{% macro spark__agg_string(value, sep, distinct=false) -%}
(case when count({{ value }}) > 0 then array_join(array_sort({{ 'collect_set' if distinct else 'collect_list' }}({{ value }})), {{ sep }}) end)
{%- endmacro %}

{# a FROM item: one row per `step` ('1 day', '1 month', '7 day') from `start` to `end` (TIMESTAMP
   expressions that may name earlier FROM items), as alias(column), a TIMESTAMP. Spark's generator
   needs LATERAL to see earlier FROM items, and takes none as the first FROM item (lateral=false).
   Not dbt.date_spine / dbt.generate_series: those are whole SELECTs over a fixed range, not a
   FROM item whose bounds name earlier FROM items. #}
{% macro series_from(start, end, step, alias, column, lateral=true) -%}{{ return(adapter.dispatch('series_from')(start, end, step, alias, column, lateral)) }}{%- endmacro %}
{% macro default__series_from(start, end, step, alias, column, lateral=true) -%}
generate_series({{ start }}, {{ end }}, interval '{{ step }}') as {{ alias }}({{ column }})
{%- endmacro %}
{% macro spark__series_from(start, end, step, alias, column, lateral=true) -%}
{{ 'lateral ' if lateral }}explode(sequence({{ start }}, {{ end }}, interval {{ step }})) as {{ alias }}({{ column }})
{%- endmacro %}

{# exact decimal division rounded half away from zero, on Spark: DECIMAL(38,0) integers in units of
   1e-10 as on the other engines; the integer quotient is (a - a % b) / b, exact since the dividend
   is a multiple of b (Spark's `div` returns BIGINT and its decimal `/` rounds at the result scale).
   sign() is DOUBLE on Spark, so the sign is a CASE. Needs spark.sql.decimalOperations.allowPrecisionLoss
   = false (profiles.yml) so that products reaching here keep every decimal. #}
{% macro spark__div_round(numerator, denominator, scale=2) -%}
{%- set n = "abs(cast(cast((" ~ numerator ~ ") as decimal(38,10)) * 10000000000 as decimal(38,0)))" -%}
{%- set d = "abs(cast(cast((" ~ denominator ~ ") as decimal(38,10)) * 10000000000 as decimal(38,0)))" -%}
{%- set a = "cast(" ~ n ~ " * " ~ 10 ** scale ~ " * 2 + " ~ d ~ " as decimal(38,0))" -%}
{%- set b = "cast(2 * " ~ d ~ " as decimal(38,0))" -%}
(case
  when ({{ denominator }}) is null or ({{ denominator }}) = 0 or ({{ numerator }}) is null then null
  else cast(
      cast(
        (case when ({{ numerator }}) < 0 then -1 else 1 end) * (case when ({{ denominator }}) < 0 then -1 else 1 end)
        * cast(({{ a }} - {{ a }} % {{ b }}) / {{ b }} as decimal(38,0))
      as decimal(38,0))
      * cast('{{ "%.*f" | format(scale, 10 ** (-scale)) }}' as decimal({{ scale + 1 }},{{ scale }}))
    as decimal(18,{{ scale }}))
end)
{%- endmacro %}

{# latest row of `table` on or before each row of `rel` (DuckDB ASOF JOIN): `left` true for a left
   join; `match` the equality column pair (rel's, table's), `rel_day` / `table_day` the ordering
   columns, `cols` the columns taken from table, alias `alias` #}
{% macro asof_join(rel, rel_alias, table, alias, match, rel_day, table_day, cols, left=false) -%}{{ return(adapter.dispatch('asof_join')(rel, rel_alias, table, alias, match, rel_day, table_day, cols, left)) }}{%- endmacro %}
{% macro default__asof_join(rel, rel_alias, table, alias, match, rel_day, table_day, cols, left=false) -%}
{{ 'asof left join' if left else 'asof join' }} {{ table }} {{ alias }}
    on {{ alias }}.{{ match[1] }} = {{ rel_alias }}.{{ match[0] }} and {{ rel_alias }}.{{ rel_day }} >= {{ alias }}.{{ table_day }}
{%- endmacro %}
{% macro postgres__asof_join(rel, rel_alias, table, alias, match, rel_day, table_day, cols, left=false) -%}
{{ 'left join' if left else 'join' }} lateral (
    select {% for c in cols %}_a.{{ c }}{{ ", " if not loop.last }}{% endfor %} from {{ table }} _a
    where _a.{{ match[1] }} = {{ rel_alias }}.{{ match[0] }} and _a.{{ table_day }} <= {{ rel_alias }}.{{ rel_day }}
    order by _a.{{ table_day }} desc limit 1) {{ alias }} on true
{%- endmacro %}
{# Spark: no ASOF or LATERAL … LIMIT; the latest match per (key, day) of rel by max_by over a join #}
{% macro spark__asof_join(rel, rel_alias, table, alias, match, rel_day, table_day, cols, left=false) -%}
{{ 'left join' if left else 'join' }} (
    select _r.{{ match[0] }} as _asof_key, _r.{{ rel_day }} as _asof_day
        {%- for c in cols %}, max_by(_a.{{ c }}, _a.{{ table_day }}) as {{ c }}{% endfor %}
    from (select distinct {{ match[0] }}, {{ rel_day }} from {{ rel }}) _r
    join {{ table }} _a on _a.{{ match[1] }} = _r.{{ match[0] }} and _a.{{ table_day }} <= _r.{{ rel_day }}
    group by _r.{{ match[0] }}, _r.{{ rel_day }}) {{ alias }}
    on {{ alias }}._asof_key = {{ rel_alias }}.{{ match[0] }} and {{ alias }}._asof_day = {{ rel_alias }}.{{ rel_day }}
{%- endmacro %}

{# string_agg(value, ', ' order by value) filter (where cond) over (partition by …), NULL when none #}
{% macro window_string_agg(value, cond, partition) -%}{{ return(adapter.dispatch('window_string_agg')(value, cond, partition)) }}{%- endmacro %}
{% macro default__window_string_agg(value, cond, partition) -%}
string_agg({{ value }}, ', ' order by {{ value }}) filter (
            where {{ cond }})
            over (partition by {{ partition }})
{%- endmacro %}
{% macro postgres__window_string_agg(value, cond, partition) -%}
string_agg({{ value }}, ', ') filter (
            where {{ cond }})
            over (partition by {{ partition }} order by {{ value }}
                  rows between unbounded preceding and unbounded following)
{%- endmacro %}
{% macro spark__window_string_agg(value, cond, partition) -%}
nullif(array_join(array_sort(collect_list(case when {{ cond }} then {{ value }} end)
            over (partition by {{ partition }})), ', '), '')
{%- endmacro %}

{# the ISO 8601 week-numbering year of a date (extract(week …) is the ISO week on all three) #}
{% macro iso_year(expr) -%}{{ return(adapter.dispatch('iso_year')(expr)) }}{%- endmacro %}
{% macro default__iso_year(expr) -%}extract(isoyear from {{ expr }}){%- endmacro %}
{% macro spark__iso_year(expr) -%}extract(yearofweek from {{ expr }}){%- endmacro %}
