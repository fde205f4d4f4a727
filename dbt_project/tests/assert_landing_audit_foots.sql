-- Conservation: every landed row is staged, quarantined or superseded, per file, and the loader's
-- row count agrees with what staging saw. Returns the files that do not foot.
select *
from {{ ref('landing_audit') }}
where file_status = 'loaded'
  and landed_rows <> staged_rows + quarantined_rows + superseded_rows
