-- The deferred revenue roll-forward foots to the cent, and each month opens where the last closed
-- (the restated closing of a closed month: its frozen closing plus the prior-period adjustment).
select *
from (
    select *, lag(closing) over (partition by client_id order by month) as previous_closing
    from {{ ref('deferred_revenue_rollforward') }}
) as r
where opening + prior_period_adjustment + billings - recognized - underspend_credits <> closing
   or (previous_closing is not null and opening + prior_period_adjustment <> previous_closing)
