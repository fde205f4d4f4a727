-- The monthly recurring bridge foots per row and month over month.
select *
from (
    select *, lag(closing) over (partition by client_id, product_code order by month) as previous_closing
    from {{ ref('budget_movements') }}
)
where opening + new + upsell + reactivation - decrease - cancellation <> closing
   or (previous_closing is not null and opening <> previous_closing and previous_closing <> 0)
