{#
  Exact decimal division rounded half away from zero to `scale` places.
  DuckDB turns DECIMAL / anything into DOUBLE, and a double cannot hold 50.005 exactly, so
  money division is done on scaled HUGEINTs instead: both operands become integers in units
  of 1e-10, the quotient is rounded with integer arithmetic, and the result is scaled back by
  an exact decimal multiplication. NULL when the denominator is NULL or zero.
#}
{% macro div_round(numerator, denominator, scale=2) -%}{{ return(adapter.dispatch('div_round')(numerator, denominator, scale)) }}{%- endmacro %}
{% macro default__div_round(numerator, denominator, scale=2) -%}
(case
  when ({{ denominator }}) is null or ({{ denominator }}) = 0 or ({{ numerator }}) is null then null
  else cast(
    cast(
      sign(cast(({{ numerator }}) as decimal(38,10))) * sign(cast(({{ denominator }}) as decimal(38,10)))
      * (
          (abs(cast(cast(({{ numerator }}) as decimal(38,10)) * 10000000000 as hugeint)) * {{ 10 ** scale }} * 2
           + abs(cast(cast(({{ denominator }}) as decimal(38,10)) * 10000000000 as hugeint)))
          // (2 * abs(cast(cast(({{ denominator }}) as decimal(38,10)) * 10000000000 as hugeint)))
        )
      as decimal(38,0))
    * cast('{{ "%.*f" | format(scale, 10 ** (-scale)) }}' as decimal({{ scale + 1 }},{{ scale }}))
    as decimal(18,{{ scale }}))
end)
{%- endmacro %}
