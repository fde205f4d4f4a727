-- The figures of every month that is closed now (its latest close not reopened), with the close.
select
    f.close_id,
    f.month,
    f.mart,
    f.figure,
    f.figure_key,
    f.client_id,
    f.contract_id,
    f.invoice_id,
    f.program_code,
    f.currency,
    f.value,
    l.closed_at,
    l.closed_by,
    l.close_run_id
from {{ source('closed', 'figures') }} f
inner join {{ source('closed', 'close_log') }} l on l.close_id = f.close_id
where l.status = 'closed'
