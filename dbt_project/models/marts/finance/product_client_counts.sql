-- EMT product table: per product and month (through the month of T), the distinct clients with a
-- billable amount > 0 (active), new (active in m, not in m-1), of those the reactivated ones (also
-- active in a month before m-1: a client coming back), churned (active in m-1, not in m), and
-- recognized revenue in USD (each currency's total at the month's last-day rate, T for the month
-- of T), in the warehouse's presentation, with its fee part (the net, agent view) beside it.
with active as (
    select distinct client_id, product_code, month
    from {{ ref('int_contract_months') }}
    where billable_amount > 0 and month <= {{ as_of_month() }}
),

spine as (
    select p.product_code, cast(_g.d as date) as month
    from {{ ref('dim_products') }} p,
        {{ series_from('cast((select min(month) from active) as timestamp)', 'cast(' ~ as_of_month() ~ ' as timestamp)', '1 month', '_g', 'd') }}
),

first_active as (
    select client_id, product_code, min(month) as first_month
    from active
    group by 1, 2
),

flags as (
    select
        coalesce(cur.product_code, prev.product_code) as product_code,
        coalesce(cur.month, cast(prev.month + interval '1 month' as date)) as month,
        cur.client_id is not null as is_active,
        cur.client_id is not null and prev.client_id is null as is_new,
        cur.client_id is null and prev.client_id is not null as is_churned,
        coalesce(cur.client_id, prev.client_id) as client_id
    from active cur
    full outer join active prev
        on prev.client_id = cur.client_id and prev.product_code = cur.product_code
        and cur.month = cast(prev.month + interval '1 month' as date)
),

counts as (
    select
        product_code,
        month,
        count(distinct client_id) filter (where is_active) as active_clients,
        count(distinct client_id) filter (where is_new) as new_clients,
        count(distinct client_id) filter (where is_new and first_month < month) as reactivated_clients,
        count(distinct client_id) filter (where is_churned) as churned_clients
    from flags
    left join first_active using (client_id, product_code)
    where month <= {{ as_of_month() }}
    group by 1, 2
),

revenue as (
    select product_code, month, currency, sum(recognized_total) as recognized, sum(recognized_fee) as fee
    from {{ ref('revenue_recognition') }}
    where month <= {{ as_of_month() }}
    group by 1, 2, 3
),

revenue_usd as (
    select
        product_code,
        month,
        sum({{ to_usd('recognized', 'currency', month_rate_day('month')) }}) as recognized_usd,
        sum({{ to_usd('fee', 'currency', month_rate_day('month')) }}) as fee_usd
    from revenue
    group by 1, 2
)

select
    s.month,
    s.product_code,
    coalesce(c.active_clients, 0) as active_clients,
    coalesce(c.new_clients, 0) as new_clients,
    coalesce(c.churned_clients, 0) as churned_clients,
    coalesce(c.reactivated_clients, 0) as reactivated_clients,
    cast(coalesce(r.recognized_usd, 0) as decimal(18,2)) as recognized_revenue_usd,
    cast(coalesce(r.fee_usd, 0) as decimal(18,2)) as recognized_fee_usd,
    pr.product_name
from spine s
left join counts c on c.product_code = s.product_code and c.month = s.month
left join revenue_usd r on r.product_code = s.product_code and r.month = s.month
left join {{ ref('dim_products') }} pr on pr.product_code = s.product_code
