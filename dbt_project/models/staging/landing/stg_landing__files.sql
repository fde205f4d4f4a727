-- One row per landing file the loader has seen, with its outcome.
select
    source_file,
    table_name,
    content_hash,
    loaded_at,
    row_count,
    status,
    error
from {{ source('landing', '_files') }}
