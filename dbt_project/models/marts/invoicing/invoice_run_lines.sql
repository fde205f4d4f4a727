-- The invoice run of month m = invoice_month() (the month after T's by default), one row per draft
-- line. While m is not approved the lines are the current draft (int_invoice_run_lines: every
-- nightly run recomputes them), status `draft`. Once `revwh invoice-run --approve` has approved m,
-- they are the lines frozen at approval (closed.invoice_run_lines), status `approved`, then
-- `exported` once the QuickBooks import file was written: a later run never changes them.
with params as (
    select {{ invoice_month() }} as invoice_month
),

run as (
    select r.invoice_month, r.status
    from {{ ref('stg_closed__invoice_runs') }} r
    join params p on p.invoice_month = r.invoice_month
),

frozen as (
    select l.invoice_no, l.invoice_month, l.client_id, l.client_name, l.contract_id, l.product_code, l.item_name,
        l.service_month, l.line_type, l.amount, l.currency, l.invoice_date, l.due_date, l.terms_days, r.status
    from {{ ref('stg_closed__invoice_run_lines') }} l
    join run r on r.invoice_month = l.invoice_month
),

drafts as (
    select d.invoice_no, d.invoice_month, d.client_id, d.client_name, d.contract_id, d.product_code, d.item_name,
        d.service_month, d.line_type, d.amount, d.currency, d.invoice_date, d.due_date, d.terms_days,
        'draft' as status
    from {{ ref('int_invoice_run_lines') }} d
    where not exists (select 1 from run)
)

select * from frozen
union all
select * from drafts
