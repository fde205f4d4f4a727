-- Underspend credits still owed at T, aged: one row per media contract and closed month whose
-- outstanding_liability (underspend_credits) is above zero. An over-credited month (negative)
-- or a settled one (zero) is not owed and is left out.
--   days_owed    T - the month's last day (the credit is owed from the close of the month)
--   aging_bucket 0-30, 31-60, 61-90 or 90+ on days_owed
-- The underspend credit run (orchestration/reports/credit_coop.py) issues these rows as credit
-- memos in the client's currency.
select
    u.contract_id,
    u.client_id,
    u.client_name,
    u.oem,
    c.product_code,
    p.product_name,
    u.month,
    cast({{ month_end('u.month') }} as date) as month_end,
    cast(u.outstanding_liability as decimal(18,2)) as outstanding_liability,
    u.currency,
    {{ days_between("cast(" ~ month_end('u.month') ~ " as date)", as_of()) }} as days_owed,
    case
        when {{ days_between("cast(" ~ month_end('u.month') ~ " as date)", as_of()) }} <= 30 then '0-30'
        when {{ days_between("cast(" ~ month_end('u.month') ~ " as date)", as_of()) }} <= 60 then '31-60'
        when {{ days_between("cast(" ~ month_end('u.month') ~ " as date)", as_of()) }} <= 90 then '61-90'
        else '90+'
    end as aging_bucket,
    {{ as_of() }} as as_of_date
from {{ ref('underspend_credits') }} u
left join {{ ref('int_contracts') }} c on c.contract_id = u.contract_id
left join {{ ref('stg_contracting__products') }} p on p.product_code = c.product_code
where u.outstanding_liability > 0
