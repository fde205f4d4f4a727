{#
  Pull coverage (SPEC 5): an account-day covered by a pull whose extraction is later than a
  staged row's own marks that row superseded, so an account-day the latest pull covered with no
  rows has zero spend. `relation` is a CTE holding stage_validate's output for `platform`.
  _covered_at: the covering extraction a valid row was judged against (macros/stage_spend_rows.sql
  re-judges an account-day when it changes).
  _staged_by: the dbt invocation that (re)judged the row: a full build marks every row, an
  incremental build the rows it typed or re-ranked. int_ad_spend recomputes the account-days of
  rows marked by a build it has not seen (macros/ad_spend_increment.sql). An id, not the clock.
#}
{% macro apply_pull_coverage(relation, platform, row_columns) -%}
select
    {%- for n in row_columns %}
    v.{{ n }},
    {%- endfor %}
    case when v._status = 'staged' and c.covered_at > v.extracted_at then 'superseded' else v._status end
        as _status,
    case when v._status <> 'quarantined' then c.covered_at end as _covered_at,
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as _staged_by
from {{ relation }} v
left join {{ ref('stg_ads__pull_coverage') }} c
    on c.platform = '{{ platform }}' and c.account_id = v.account_id and c.spend_date = v.spend_date
{%- endmacro %}
