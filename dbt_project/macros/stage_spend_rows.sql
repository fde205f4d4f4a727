{#
  stage_spend_rows: the base model of an ad-spend table (google_ads, meta_ads, microsoft_ads),
  built incrementally so that a nightly run types and ranks only what it landed.

  Full build (first run, `revwh run --rebuild`, or any change to the dbt project or its settings,
  which the landing step turns into `dbt build --full-refresh`): stage_validate over every landed
  row, then apply_pull_coverage, exactly as for the other base models.

  Incremental build: the rows of this table stay as they were, except
    - every row of a file the loader added, replaced or removed since the last build (a file's
      rows are current when their (_source_file, _loaded_at) is the loader's);
    - every still-landed valid row of an account-day such a file touched (before or after), or
      whose pull coverage changed: these compete again for "current" with the new rows.
  The model returns the new files' rows and the re-ranked rows; dbt's delete+insert on
  (_source_file, _row_number) replaces their old versions, and the post-hook
  (delete_replaced_file_rows) removes what is left of replaced and removed files. Each account-day
  is ranked over all of its valid rows, so the result is row for row what a full build gives;
  tests/test_incremental_spend.py compares the two.

  Quarantine (a bad value, a key twice in one file) depends on the row and its file only, so the
  quarantined rows of unchanged files are never touched. _covered_at records the pull coverage a
  valid row was judged against; a later coverage file changes it and so re-judges the account-day.
#}
{% macro stage_spend_rows(table_name, columns, key, partition, order, row_checks=[], dup_rule='key') %}
{%- set names = [] %}
{%- for c in columns %}{% do names.append(adapter.quote(c.get('as', c.name))) %}{% endfor %}
{%- set row_columns = names + ['_source_file', '_row_number', '_loaded_at', '_record', '_reason', '_reason_column'] %}
{%- if not is_incremental() %}
with validated as (
{{ stage_validate(table_name, table_name, columns, key, partition, order, row_checks, records=spend_records_mode(), dup_rule=dup_rule) }}
)

{{ apply_pull_coverage('validated', table_name, row_columns) }}
{%- else %}
with loader_files as (
    select distinct _source_file, _loaded_at from {{ source(table_name, table_name) }}
),

built_files as (
    select distinct _source_file, _loaded_at from {{ this }}
),

changed_files as (
    select _source_file, _loaded_at from loader_files
    except
    select _source_file, _loaded_at from built_files
),

gone_files as (
    select _source_file, _loaded_at from built_files
    except
    select _source_file, _loaded_at from loader_files
),

new_rows as (
{{ stage_validate(table_name, table_name, columns, key, partition, order, row_checks, only_files='changed_files', records=spend_records_mode(), dup_rule=dup_rule) }}
),

coverage as (
    select account_id, spend_date, covered_at
    from {{ ref('stg_ads__pull_coverage') }}
    where platform = '{{ table_name }}'
),

touched as (
    select account_id, spend_date from new_rows where _status <> 'quarantined'
    union
    select t.account_id, t.spend_date
    from {{ this }} t
    where exists (select 1 from gone_files g where g._source_file = t._source_file and g._loaded_at = t._loaded_at)
      and t._status <> 'quarantined'
    union
    select t.account_id, t.spend_date
    from {{ this }} t
    left join coverage c on c.account_id = t.account_id and c.spend_date = t.spend_date
    where t._status <> 'quarantined' and t._covered_at is distinct from c.covered_at
),

{#- Kept rows are found on narrow columns and fetched whole by rowid: DuckDB then reads _record
    and the other wide columns only of the row groups holding them. Measured on the google_ads
    base model at 5,000 dealers (6.2 M rows, one night): 22 s when a CTE over whole rows of this
    was referred to twice (materialized, _record and all), 5.4 s joining whole rows, 1.4 s so. #}
kept_contenders as (
    select t.{{ row_locator() }} as _kept_rowid
    from {{ this }} t
    where exists (select 1 from touched x where x.account_id = t.account_id and x.spend_date = t.spend_date)
      and not exists (select 1 from gone_files g where g._source_file = t._source_file and g._loaded_at = t._loaded_at)
      and t._status <> 'quarantined'
),

contenders as (
    select {{ row_columns | join(', ') }}
    from {{ this }}
    where {{ row_locator() }} in (select _kept_rowid from kept_contenders)
    union all
    select {{ row_columns | join(', ') }} from new_rows where _status <> 'quarantined'
),

ranked as (
    select
        *,
        case when dense_rank() over (partition by {{ partition | join(', ') }} order by {{ order | join(', ') }}) = 1
             then 'staged' else 'superseded' end as _status
    from contenders
),

judged as (
    select * from ranked
    union all
    select {{ row_columns | join(', ') }}, _status from new_rows where _status = 'quarantined'
)

{{ apply_pull_coverage('judged', table_name, row_columns) }}
{%- endif %}
{% endmacro %}


{#
  Post-hook of the spend base models: rows whose file the loader has since replaced or removed
  (their (_source_file, _loaded_at) is no longer the loader's). delete+insert already replaced
  the rows a new version of the file still has; this removes the rest.
#}
{% macro delete_replaced_file_rows(table_name) %}{{ return(adapter.dispatch('delete_replaced_file_rows')(table_name)) }}{% endmacro %}
{% macro default__delete_replaced_file_rows(table_name) %}
delete from {{ this }} t
using (
    select distinct _source_file, _loaded_at from {{ this }}
    except
    select distinct _source_file, _loaded_at from {{ source(table_name, table_name) }}
) gone
where t._source_file = gone._source_file and t._loaded_at = gone._loaded_at
{% endmacro %}

{% macro spark__delete_replaced_file_rows(table_name) %}select 1{% endmacro %}


{#
  Where a spend base model's quarantined rows get their _record (the row as landed): the model
  leaves it null and the post-hook record_quarantined_rows fills it ('by_hook', see
  macros/stage_validate.sql for the measurement); Spark's tables take no UPDATE, so there the
  query builds it ('quarantined').
#}
{% macro spend_records_mode() %}{{ return(adapter.dispatch('spend_records_mode')()) }}{% endmacro %}
{% macro default__spend_records_mode() %}{{ return('by_hook') }}{% endmacro %}
{% macro spark__spend_records_mode() %}{{ return('quarantined') }}{% endmacro %}

{#
  Post-hook of the spend base models: the record of every quarantined row that has none yet (those
  this build typed), built from its raw row with the contract's columns in the contract's order
  (landed_columns), as data_exceptions builds the records of valid rows it reports. A few rows
  found by the row's (_source_file, _row_number): rows of unchanged files keep theirs.
#}
{% macro record_quarantined_rows(table_name) %}{{ return(adapter.dispatch('record_quarantined_rows')(table_name)) }}{% endmacro %}
{% macro default__record_quarantined_rows(table_name) %}
{%- set landed = [] %}
{%- for name in landed_columns(table_name) %}{% do landed.append((name, 'r.' ~ adapter.quote(name))) %}{% endfor %}
update {{ this }} t
set _record = {{ json_object(landed) }}
from {{ source(table_name, table_name) }} r
where t._status = 'quarantined' and t._record is null
  and r._source_file = t._source_file and r._row_number = t._row_number
{% endmacro %}

{% macro spark__record_quarantined_rows(table_name) %}select 1{% endmacro %}
