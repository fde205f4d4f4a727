-- Every approved invoice-run month (orchestration/billing/invoice_run.py): status approved, then exported.
select
    invoice_month,
    status,
    approved_at,
    approved_by,
    approve_run_id,
    warehouse_as_of,
    lines,
    exported_at,
    exported_by
from {{ source('closed', 'invoice_runs') }}
