-- The approved invoice-run drafts' lines, frozen at approval.
select
    invoice_month,
    invoice_no,
    client_id,
    client_name,
    contract_id,
    product_code,
    item_name,
    service_month,
    line_type,
    amount,
    currency,
    invoice_date,
    due_date,
    terms_days
from {{ source('closed', 'invoice_run_lines') }}
