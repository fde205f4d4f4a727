-- The invoice run's draft for month m = invoice_month() (default: the month after T's month, billing
-- in advance; SPEC 6): one draft invoice per client and currency, a line per contract and line type.
--   media          = the contract's billable amount of its service month (int_contract_months)
--   management_fee = the fee rule of SPEC 2 for that month (int_contract_months.management_fee)
--   flat_fee       = the billable amount of a flat product
-- The service month is m, or m - 1 for a product in var arrears_products (billed in arrears).
-- A contract-month already on an invoice dated on or before T (any line but tax) is not drafted
-- again. Underspend credits due still outstanding are netted as `underspend_credit` lines (negative)
-- only when var net_credits_in_invoice_run is true, and only into a client's draft of that currency;
-- otherwise they go out as credit memos. Lines of 0.00 are left out.
-- Invoice number R-<YYYY-MM of m>-<client_id>-<currency>: the same run twice gives the same numbers.
-- Invoice date: the first of m; due date: + var invoice_terms_days (30).
with params as (
    select {{ invoice_month() }} as invoice_month
),

service as (
    select
        cm.contract_id, cm.client_id, cm.product_code, cm.pricing_model, cm.currency, cm.month as service_month,
        cm.billable_amount, cm.management_fee
    from {{ ref('int_contract_months') }} cm
    cross join params p
    where (cm.product_code in {{ arrears_products_sql() }} and cm.month = cast(p.invoice_month - interval '1 month' as date))
       or (not coalesce(cm.product_code in {{ arrears_products_sql() }}, false) and cm.month = p.invoice_month)
),

already_invoiced as (
    select distinct l.contract_id, l.service_month
    from {{ ref('stg_accounting__invoice_lines') }} l
    join {{ ref('stg_accounting__invoices') }} i on i.invoice_id = l.invoice_id
    where i.invoice_date <= {{ as_of() }} and l.line_type <> 'tax' and l.contract_id is not null
),

to_draft as (
    select s.*
    from service s
    left join already_invoiced a on a.contract_id = s.contract_id and a.service_month = s.service_month
    where a.contract_id is null
),

charge_lines as (
    select contract_id, client_id, product_code, currency, service_month, 'media' as line_type, billable_amount as amount
    from to_draft where pricing_model = 'media'
    union all
    select contract_id, client_id, product_code, currency, service_month, 'management_fee', management_fee
    from to_draft where pricing_model = 'media'
    union all
    select contract_id, client_id, product_code, currency, service_month, 'flat_fee', billable_amount
    from to_draft where pricing_model = 'flat'
),

credit_lines as (
    select u.contract_id, u.client_id, c.product_code, u.currency, u.month as service_month,
        'underspend_credit' as line_type, -u.outstanding_liability as amount
    from {{ ref('underspend_credits') }} u
    join {{ ref('int_contracts') }} c on c.contract_id = u.contract_id
    where {{ net_credits_in_invoice_run() }} and u.outstanding_liability > 0
        and exists (select 1 from charge_lines x where x.client_id = u.client_id and x.currency = u.currency and x.amount <> 0)
),

all_lines as (
    select * from charge_lines where amount <> 0
    union all
    select * from credit_lines
),

items as (
    -- the QuickBooks item of a product and line type (contracting/ledger_items), when one is mapped
    select product_code, line_type, min(item_name) as item_name
    from {{ ref('base_contracting__ledger_items') }}
    where _status = 'staged'
    group by 1, 2
)

select
    'R-' || {{ year_month_text('p.invoice_month') }} || '-' || l.client_id || '-' || l.currency as invoice_no,
    p.invoice_month,
    l.client_id,
    cl.client_name,
    l.contract_id,
    l.product_code,
    coalesce(it.item_name, coalesce(pr.product_name, l.product_code) || ' ' || replace(l.line_type, '_', ' ')) as item_name,
    l.service_month,
    l.line_type,
    cast(l.amount as decimal(18,2)) as amount,
    l.currency,
    p.invoice_month as invoice_date,
    cast(p.invoice_month + {{ var('invoice_terms_days', 30) | int }} as date) as due_date,
    {{ var('invoice_terms_days', 30) | int }} as terms_days
from all_lines l
cross join params p
left join {{ ref('stg_contracting__clients') }} cl on cl.client_id = l.client_id
left join {{ ref('stg_contracting__products') }} pr on pr.product_code = l.product_code
left join items it on it.product_code = l.product_code and it.line_type = l.line_type
