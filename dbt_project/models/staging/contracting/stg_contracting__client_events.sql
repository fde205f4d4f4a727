-- One row per client event (optional file: no rows without it); event_type lower case.
-- Only rows with status 'staged' (valid and current); the rest are in data_exceptions or superseded.
select
    client_id,
    event_date,
    lower(trim(event_type)) as event_type,
    _source_file
from {{ ref('base_contracting__client_events') }}
where _status = 'staged'
