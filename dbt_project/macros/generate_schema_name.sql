{# Schemas are exactly raw / staging / intermediate / marts, not prefixed by the target.
   On PostgreSQL a run builds the marts into REVWH_DBT_MARTS_SCHEMA (marts__building) and the
   publish step swaps that schema in as marts in one transaction (orchestration/engines/postgres/warehouse.py). #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}
    {%- elif custom_schema_name | trim == 'marts' -%}{{ env_var('REVWH_DBT_MARTS_SCHEMA', 'marts') }}
    {%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
