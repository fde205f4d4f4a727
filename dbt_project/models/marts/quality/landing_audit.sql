-- Conservation per landing file: every landed row is staged, quarantined (in data_exceptions)
-- or superseded (replaced by a later file or a later extraction of the same account-day).
-- landed_rows = staged_rows + quarantined_rows + superseded_rows is enforced by a dbt test. Blank rows
-- (every cell empty) are not data: counted apart, never landed or quarantined (SPEC 6); so are the
-- report lines of a platform export (a title before the header, totals, a copyright footer).
{#- Every landed table's base model, from the contract (macros/landed_tables.sql, generated). #}
{%- set base_models = landed_base_models() %}
with statuses as (
    {%- for src, tbl in base_models %}
    select _source_file, _status from {{ ref('base_' ~ src ~ '__' ~ tbl) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

counts as (
    select
        _source_file as source_file,
        count(*) filter (where _status = 'staged') as staged_rows,
        count(*) filter (where _status = 'quarantined') as quarantined_rows,
        count(*) filter (where _status = 'superseded') as superseded_rows
    from statuses
    group by 1
)

select
    f.source_file,
    f.table_name,
    f.status as file_status,
    f.error as file_error,
    f.loaded_at,
    f.row_count as landed_rows,
    coalesce(c.staged_rows, 0) as staged_rows,
    coalesce(c.quarantined_rows, 0) as quarantined_rows,
    coalesce(c.superseded_rows, 0) as superseded_rows,
    f.blank_rows,
    f.extra_columns,
    f.report_lines,
    f.report_lines_note
from {{ ref('stg_landing__files') }} f
left join counts c on c.source_file = f.source_file
