-- The monthly recurring bridge foots per row (opening + new + upsell + reactivation - decrease -
-- cancellation = closing), each month opens at the previous calendar month's closing (0 when the
-- client had no row for that month), and a month closing above 0 before the month of T is always
-- followed by a row for the next month (a cancellation is never skipped).
with b as (select * from {{ ref('budget_movements') }})

select b.client_id, b.product_code, b.month, 'bridge or opening' as problem
from b
left join b p
    on p.client_id = b.client_id and p.product_code = b.product_code
    and p.month = cast(b.month - interval '1 month' as date)
where b.opening + b.new + b.upsell + b.reactivation - b.decrease - b.cancellation <> b.closing
   or b.opening <> coalesce(p.closing, 0)

union all

select b.client_id, b.product_code, b.month, 'no row for the next month'
from b
left join b n
    on n.client_id = b.client_id and n.product_code = b.product_code
    and n.month = cast(b.month + interval '1 month' as date)
where b.closing > 0 and b.month < {{ as_of_month() }} and n.month is null
