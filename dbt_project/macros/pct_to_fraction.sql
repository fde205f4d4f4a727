{#
  A percentage column as a fraction (fee_pct, discount_pct, coop_share_pct): SPEC's
  (1 - discount_pct) implies fractions; a value above 1 is read as a percentage (15 -> 0.15),
  since no fee, discount or co-op share above 100% is meaningful.
#}
{% macro pct_to_fraction(column) -%}
cast(case when ({{ column }}) > 1 then ({{ column }}) * 0.01 else ({{ column }}) end as decimal(18,9))
{%- endmacro %}
