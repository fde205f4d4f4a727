-- One row per landing file the loader has seen, with its outcome.
select
    source_file,
    table_name,
    content_hash,
    loaded_at,
    row_count,
    status,
    error,
    coalesce(blank_rows, 0) as blank_rows,
    extra_columns,
    coalesce(report_lines, 0) as report_lines,
    report_lines_note
from {{ source('landing', '_files') }}
