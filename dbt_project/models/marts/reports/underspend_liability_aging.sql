-- Underspend credits still owed at T, aged: one row per media contract and closed month whose
-- outstanding_liability (underspend_credits) is above zero. An over-credited month (negative)
-- or a settled one (zero) is not owed and is left out.
--   days_owed    T - the month's last day (the credit is owed from the close of the month)
--   aging_bucket 0-30, 31-60, 61-90 or 90+ on days_owed
-- The underspend credit run (orchestration/reports/credit_coop.py) and `revwh post --credits`
-- issue these rows as credit memos in the client's currency, to the client's QuickBooks customer:
--   qbo_customer_id, qbo_customer_name  the QuickBooks customer whose AcctNum is the client_id, in
--                   the client's currency (qbo_balances' customer rows, from the pull; the lowest Id
--                   when several share it); null before any QuickBooks pull
--   credit_item     the QuickBooks item the memo's line uses: contracting/ledger_items' item of line
--                   type underspend for the contract's product, else one without a product (null
--                   without one: the credit run then writes "Underspend credit")
with credit_items as (
    select product_code, min(item_name) as item_name
    from {{ ref('base_contracting__ledger_items') }}
    where _status = 'staged' and line_type = 'underspend'
    group by 1
)

select
    u.contract_id,
    u.client_id,
    u.client_name,
    u.oem,
    c.product_code,
    p.product_name,
    u.month,
    cast({{ dbt.last_day('u.month', 'month') }} as date) as month_end,
    cast(u.outstanding_liability as decimal(18,2)) as outstanding_liability,
    u.currency,
    {{ dbt.datediff("cast(" ~ dbt.last_day('u.month', 'month') ~ " as date)", as_of(), 'day') }} as days_owed,
    case
        when {{ dbt.datediff("cast(" ~ dbt.last_day('u.month', 'month') ~ " as date)", as_of(), 'day') }} <= 30 then '0-30'
        when {{ dbt.datediff("cast(" ~ dbt.last_day('u.month', 'month') ~ " as date)", as_of(), 'day') }} <= 60 then '31-60'
        when {{ dbt.datediff("cast(" ~ dbt.last_day('u.month', 'month') ~ " as date)", as_of(), 'day') }} <= 90 then '61-90'
        else '90+'
    end as aging_bucket,
    {{ as_of() }} as as_of_date,
    q.qbo_customer_id,
    q.qbo_customer_name,
    coalesce(ip.item_name, ia.item_name) as credit_item
from {{ ref('underspend_credits') }} u
left join {{ ref('int_contracts') }} c on c.contract_id = u.contract_id
left join {{ ref('dim_products') }} p on p.product_code = c.product_code
left join {{ ref('dim_qbo_customers') }} q on q.client_id = u.client_id and q.currency = u.currency
left join credit_items ip on ip.product_code = c.product_code
left join credit_items ia on ia.product_code is null
where u.outstanding_liability > 0
