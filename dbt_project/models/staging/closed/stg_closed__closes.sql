-- Every close of a month, the reopened ones included: the close register.
select
    close_id,
    month,
    status,
    closed_at,
    closed_by,
    close_run_id,
    warehouse_as_of,
    figures,
    reopened_at,
    reopened_by,
    reopen_reason
from {{ source('closed', 'close_log') }}
