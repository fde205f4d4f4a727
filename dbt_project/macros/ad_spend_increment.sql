{#
  ad_spend_increment: int_ad_spend recomputes only the account-days whose inputs changed (issue
  11: a nightly run restates 8 days of 450; rebuilding 8.8 M rows took 20-30 s at 5,000 dealers).
  fct_ad_spend_daily is a view over it on DuckDB and a table rebuilt whole with the other marts
  on PostgreSQL and Spark (spend_fact_materialization).

  A row of int_ad_spend is a function of its account-day alone: the staged spend rows of that
  (platform, account_id, spend_date), the account's mappings (ad_accounts joined to the contracts'
  dates, client, product and currency) and the day's FX rates. So an incremental build
  recomputes every account-day R where one of those may differ from what the table holds:
    1. account-days of base spend rows judged by a dbt build int_ad_spend has not seen
       (their _staged_by is not in int_ad_spend__seen_batches): new, restated, re-ranked or
       newly superseded rows;
    2. account-days the table holds rows for from a file version the base models no longer hold
       (a file replaced or removed with nothing left of its account-day to re-rank);
    3. every account-day of an account whose mappings differ from int_ad_spend__seen_mappings;
    4. every account-day whose account or client currency has a rate that differs from
       int_ad_spend__seen_rates on that day.
  The pre-hook writes R to int_ad_spend__recompute and deletes R's rows; the model appends R's
  rows; the post-hook records what was seen. A full build (first run, --rebuild, any change to
  the dbt project or its settings) writes every account-day to int_ad_spend__recompute. The
  pre-hook also stamps the table with the dbt invocation that built it and whether it recomputed
  R only (int_ad_spend__recomputed_by): the tests of int_ad_spend and of the fact read R's rows
  only in that invocation (macros/test_scope.sql).
  tests/test_incremental_spend.py builds a night that exercises each case and compares both
  tables with a full rebuild, row for row.

  On Spark (plain Parquet tables: no DELETE) both are tables rebuilt whole and the hooks do
  nothing (incremental_materialization).
#}

{% macro ad_spend_mappings() -%}
select a.platform, a.account_id, c.contract_id, c.start_date, c.end_date, c.client_id, c.product_code, c.currency
from {{ ref('stg_contracting__ad_accounts') }} a
join {{ ref('int_contracts') }} c on c.contract_id = a.contract_id
{%- endmacro %}

{% macro _ad_spend_rates() -%}
select currency, rate_day, usd_per_unit from {{ ref('int_fx_daily_rates') }}
{%- endmacro %}

{% macro _ad_spend_bases() -%}
{{ return([('google_ads', ref('base_google_ads__google_ads')), ('meta_ads', ref('base_meta_ads__meta_ads')),
           ('microsoft_ads', ref('base_microsoft_ads__microsoft_ads'))]) }}
{%- endmacro %}

{% macro _ad_spend_staged() -%}
{{ return([ref('stg_google_ads__campaign_spend'), ref('stg_meta_ads__campaign_spend'),
           ref('stg_microsoft_ads__campaign_spend')]) }}
{%- endmacro %}

{#- Pre-hook of int_ad_spend: R into int_ad_spend__recompute (every account-day on a full build). #}
{% macro ad_spend_recompute_days() -%}
{%- if incremental_materialization() != 'incremental' -%}select 1
{%- elif not is_incremental() -%}
{%- set parts = [] -%}
{%- for staged in _ad_spend_staged() -%}
{%- do parts.append("select platform, account_id, spend_date from " ~ staged) -%}
{%- endfor -%}
{{ replace_table(increment_state(this, 'recompute'), parts | join(' union ')) }}
{%- else -%}
{%- set seen_batches, seen_mappings, seen_rates = increment_state(this, 'seen_batches'), increment_state(this, 'seen_mappings'), increment_state(this, 'seen_rates') -%}
{% set sql %}
with mappings as ({{ ad_spend_mappings() }}),

changed_accounts as (
    select platform, account_id from (select * from mappings except select * from {{ seen_mappings }}) _new
    union
    select platform, account_id from (select * from {{ seen_mappings }} except select * from mappings) _old
),

rates as ({{ _ad_spend_rates() }}),

changed_rates as (
    select currency, rate_day from (select * from rates except select * from {{ seen_rates }}) _new
    union
    select currency, rate_day from (select * from {{ seen_rates }} except select * from rates) _old
),

judged_days as (
    {%- for platform, base in _ad_spend_bases() %}
    select '{{ platform }}' as platform, b.account_id, b.spend_date
    from {{ base }} b
    where b._status <> 'quarantined'
      and not exists (select 1 from {{ seen_batches }} s where s.platform = '{{ platform }}' and s._staged_by = b._staged_by)
    {% if not loop.last %}union{% endif %}
    {%- endfor %}
),

held_files as (
    {%- for platform, base in _ad_spend_bases() %}
    select distinct '{{ platform }}' as platform, _source_file, _loaded_at from {{ base }} where _status = 'staged'
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

held_days as (
    select t.platform, t.account_id, t.spend_date
    from {{ this }} t
    where exists (select 1 from changed_accounts a where a.platform = t.platform and a.account_id = t.account_id)
       or exists (select 1 from changed_rates r where r.currency = t.account_currency and r.rate_day = t.spend_date)
       or exists (select 1 from changed_rates r where r.currency = t.currency and r.rate_day = t.spend_date)
       or not exists (select 1 from held_files f
                      where f.platform = t.platform and f._source_file = t._source_file and f._loaded_at = t._loaded_at)
)

select platform, account_id, spend_date from judged_days
union
select platform, account_id, spend_date from held_days
{% endset %}
{{ replace_table(increment_state(this, 'recompute'), sql) }}
{%- endif -%}
{%- endmacro %}

{#- The account-day of `alias` is in R. The range of R's days comes first: DuckDB prunes the
    row groups of the base tables (and of int_ad_spend) outside it before the semi-join, which
    alone probed every row (the spend rows of a nightly R, 5,000 dealers: 2.1 s -> 0.3 s). #}
{% macro _ad_spend_day_in_recompute(alias) -%}
{{ alias }}.spend_date between (select min(spend_date) from {{ increment_state(this, 'recompute') }})
    and (select max(spend_date) from {{ increment_state(this, 'recompute') }})
and exists (
    select 1 from {{ increment_state(this, 'recompute') }} r
    where r.platform = {{ alias }}.platform and r.account_id = {{ alias }}.account_id and r.spend_date = {{ alias }}.spend_date)
{%- endmacro %}

{#- Pre-hook of int_ad_spend: which invocation built it, and whether it recomputed R only
    (macros/test_scope.sql reads it). #}
{% macro ad_spend_stamp() -%}
{{ stamp_recompute(increment_state(this, 'recomputed_by'), is_incremental()) }}
{%- endmacro %}

{#- Pre-hook of int_ad_spend: R's rows out. #}
{% macro ad_spend_delete_recomputed() -%}
{%- if not is_incremental() -%}select 1
{%- else -%}
delete from {{ this }} where {{ _ad_spend_day_in_recompute(this) }}
{%- endif -%}
{%- endmacro %}

{#- The model's filter: R's rows when recomputing R only. #}
{% macro ad_spend_in_recompute(alias) -%}
{%- if is_incremental() -%}
where {{ _ad_spend_day_in_recompute(alias) }}
{%- endif -%}
{%- endmacro %}

{#- fct_ad_spend_daily: a view on DuckDB, a table where the marts are published by a swap. #}
{% macro spend_fact_materialization() %}{{ return(adapter.dispatch('spend_fact_materialization')()) }}{% endmacro %}
{% macro default__spend_fact_materialization() %}{{ return('table') }}{% endmacro %}
{% macro duckdb__spend_fact_materialization() %}{{ return('view') }}{% endmacro %}

{#- Post-hooks of int_ad_spend: what this build saw. #}
{% macro ad_spend_remember(name) -%}
{%- if incremental_materialization() != 'incremental' -%}select 1
{%- elif name == 'seen_mappings' -%}
{{ replace_table(increment_state(this, name), ad_spend_mappings()) }}
{%- elif name == 'seen_rates' -%}
{{ replace_table(increment_state(this, name), _ad_spend_rates()) }}
{%- else -%}
{%- set parts = [] -%}
{%- for platform, base in _ad_spend_bases() -%}
{%- do parts.append("select distinct '" ~ platform ~ "' as platform, _staged_by from " ~ base) -%}
{%- endfor -%}
{{ replace_table(increment_state(this, 'seen_batches'), parts | join(' union all ')) }}
{%- endif -%}
{%- endmacro %}
