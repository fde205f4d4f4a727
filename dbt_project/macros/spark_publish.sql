{# `--target spark` publish (orchestration/engines/spark/warehouse.py runs it as a run-operation after a
   good build): point every view of database marts at the tables of `version`, drop views of marts
   the version no longer has, and drop every marts__r* version but `version` and `keep` (the one
   just replaced, which a query started before the publish may still read). Each
   `create or replace view` is atomic; Spark has no transaction across them. #}
{% macro revwh_spark_publish(version, keep) %}
{%- set listed = run_query('show tables in ' ~ version) -%}
{%- set tables = [] -%}
{%- for row in listed.rows if not row['isTemporary'] %}{% do tables.append(row['tableName']) %}{% endfor -%}
{%- if tables | length == 0 -%}
{{ exceptions.raise_compiler_error('nothing to publish: database ' ~ version ~ ' has no tables') }}
{%- endif -%}
{%- do run_query('create database if not exists marts') -%}
{%- for table in tables -%}
{%- do run_query('create or replace view marts.`' ~ table ~ '` as select * from ' ~ version ~ '.`' ~ table ~ '`') -%}
{%- endfor -%}
{%- for row in run_query('show views in marts').rows if not row['isTemporary'] and row['viewName'] not in tables -%}
{%- do run_query('drop view marts.`' ~ row['viewName'] ~ '`') -%}
{%- endfor -%}
{%- for row in run_query("show databases like 'marts__r*'").rows if row[0] not in (version, keep) -%}
{%- do run_query('drop database ' ~ row[0] ~ ' cascade') -%}
{%- endfor -%}
{%- do log('published ' ~ (tables | length) ~ ' marts from ' ~ version, info=true) -%}
{% endmacro %}
