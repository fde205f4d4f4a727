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
    extra_columns
from {{ source('landing', '_files') }}
