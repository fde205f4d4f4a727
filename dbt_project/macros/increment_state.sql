{#
  What the incremental models share (issue 11): their materialization per engine, the small state
  tables each keeps beside itself, and the one statement that replaces such a table.

  Incremental where the engine can delete rows; on Spark without Delta/Iceberg (plain Parquet
  tables: no DELETE, and dbt-spark has no delete+insert) a table rebuilt whole every run, which is
  what the incremental build equals row for row (tests/test_incremental_spend.py). Then the hooks
  that keep the state do nothing.
#}
{% macro incremental_materialization() %}{{ return(adapter.dispatch('incremental_materialization')()) }}{% endmacro %}
{% macro default__incremental_materialization() %}{{ return('incremental') }}{% endmacro %}
{% macro spark__incremental_materialization() %}{{ return('table') }}{% endmacro %}

{#- A state table of an incremental model: `<model>__<name>`, in the model's schema. #}
{% macro increment_state(model, name) -%}
{{ return(api.Relation.create(database=model.database, schema=model.schema, identifier=model.identifier ~ '__' ~ name)) }}
{%- endmacro %}

{#- One hook statement that replaces a table (PostgreSQL has no CREATE OR REPLACE TABLE; its driver
    runs the two statements of one hook in order). #}
{% macro replace_table(relation, sql) -%}{{ return(adapter.dispatch('replace_table')(relation, sql)) }}{%- endmacro %}
{% macro default__replace_table(relation, sql) -%}
create or replace table {{ relation }} as {{ sql }}
{%- endmacro %}
{% macro postgres__replace_table(relation, sql) -%}
drop table if exists {{ relation }}; create table {{ relation }} as {{ sql }}
{%- endmacro %}

{#- Which dbt invocation last built an incremental model, and whether it recomputed only its set R
    ('r') or every row ('all'): a one-row state table written by a pre-hook. #}
{% macro stamp_recompute(stamp, r_only) -%}
{%- if incremental_materialization() != 'incremental' -%}select 1{%- else -%}
{{ replace_table(stamp, "select '" ~ invocation_id ~ "' as invocation_id, '" ~ ('r' if r_only else 'all') ~ "' as recomputed") }}
{%- endif -%}
{%- endmacro %}

{#- The stamp's `recomputed` when this dbt invocation wrote it, else none (another invocation's,
    or no stamp yet). Only called at execution time, after the stamping model ran. #}
{% macro recompute_of_this_invocation(stamp) -%}
{%- if not execute or incremental_materialization() != 'incremental' -%}{{ return(none) }}{%- endif -%}
{%- set found = run_query("select count(*) from information_schema.tables where table_catalog = '" ~ stamp.database
                          ~ "' and table_schema = '" ~ stamp.schema ~ "' and table_name = '" ~ stamp.identifier ~ "'") -%}
{%- if found.columns[0].values()[0] == 0 -%}{{ return(none) }}{%- endif -%}
{%- set current = run_query("select recomputed from " ~ stamp ~ " where invocation_id = '" ~ invocation_id ~ "'") -%}
{{ return(current.columns[0].values()[0] if current.rows | length > 0 else none) }}
{%- endmacro %}
