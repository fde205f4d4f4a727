{{ config(materialized='table') }}

{# Typed, checked and ranked rows of raw.oem_programs: see macros/stage_validate.sql. #}
{{ stage_validate('contracting', 'oem_programs',
    columns=[{"name": "program_code", "required": true}, {"name": "oem"}, {"name": "coop_share_pct", "kind": "decimal", "nonneg": true, "required": true}, {"name": "monthly_cap", "kind": "money", "nonneg": true, "required": true}, {"name": "eligible_products"}],
    key=["program_code"],
    row_checks=[]) }}
