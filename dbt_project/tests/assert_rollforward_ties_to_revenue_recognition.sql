-- SPEC 5: for the month of T the roll-forward's closing_deferred and closing_unbilled equal the sums
-- of revenue_recognition's deferred_revenue and unbilled_revenue over the client's rows, and in
-- every month closing = closing_deferred - closing_unbilled. Returns the clients that do not tie.
with rr as (
    select client_id, sum(deferred_revenue) as deferred, sum(unbilled_revenue) as unbilled
    from {{ ref('revenue_recognition') }}
    group by 1
)

select f.client_id, f.month, 'does not tie to revenue_recognition' as problem
from {{ ref('deferred_revenue_rollforward') }} f
left join rr on rr.client_id = f.client_id
where f.month = {{ as_of_month() }}
  and (f.closing_deferred <> coalesce(rr.deferred, 0) or f.closing_unbilled <> coalesce(rr.unbilled, 0))

union all

select client_id, month, 'closing <> closing_deferred - closing_unbilled'
from {{ ref('deferred_revenue_rollforward') }}
where closing <> closing_deferred - closing_unbilled
