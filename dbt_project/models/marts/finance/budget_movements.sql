-- Monthly recurring budget movements per client and product: the monthly amount in force at
-- month end (T for the month of T; 0 when no contract of the product is active that day), against
-- the previous month's. One movement per row:
--   new          opening 0 -> closing > 0, first time for this client and product
--   reactivation opening 0 -> closing > 0 after an earlier cancellation
--   upsell / decrease  closing above / below a non-zero opening
--   cancellation opening > 0 -> closing 0
-- Bridge, per row and in total: opening + new + upsell + reactivation - decrease - cancellation = closing.
with calendar as (
    -- every month from the first contract month to the month of T, even a month in which no
    -- contract anywhere is active (a cancellation and a reactivation must not skip it)
    select cast(_g.d as date) as month
    from {{ series_from('cast((select min(month) from ' ~ ref('int_contract_days') ~ ') as timestamp)', 'cast(' ~ as_of_month() ~ ' as timestamp)', '1 month', '_g', 'd', lateral=false) }}
),

month_ends as (
    select month, {{ month_rate_day('month') }} as end_day
    from calendar
),

amounts as (
    select
        d.client_id,
        d.product_code,
        e.month,
        sum(coalesce(d.monthly_amount, 0)) as amount,
        min(d.currency) as currency
    from {{ ref('int_contract_days') }} d
    join month_ends e on e.end_day = d.day
    group by 1, 2, 3
),

pairs as (
    select distinct client_id, product_code, min(currency) over (partition by client_id, product_code) as currency,
        min(month) over (partition by client_id, product_code) as first_month
    from amounts
),

spine as (
    select p.client_id, p.product_code, p.currency, e.month
    from pairs p
    join month_ends e on e.month >= p.first_month
),

series as (
    select
        s.client_id,
        s.product_code,
        s.month,
        s.currency,
        coalesce(a.amount, 0) as closing,
        coalesce(lag(coalesce(a.amount, 0)) over (partition by s.client_id, s.product_code order by s.month), 0) as opening
    from spine s
    left join amounts a on a.client_id = s.client_id and a.product_code = s.product_code and a.month = s.month
),

history as (
    select
        *,
        -- a cancellation happened earlier when some previous month went from > 0 to 0
        coalesce(max(case when opening > 0 and closing = 0 then 1 else 0 end) over (
            partition by client_id, product_code order by month
            rows between unbounded preceding and 1 preceding), 0) = 1 as was_cancelled
    from series
),

classified as (
    select
        *,
        case
            when opening = 0 and closing > 0 and was_cancelled then 'reactivation'
            when opening = 0 and closing > 0 then 'new'
            when opening > 0 and closing = 0 then 'cancellation'
            when closing > opening then 'upsell'
            when closing < opening then 'decrease'
            else 'unchanged'
        end as movement
    from history
    where opening <> 0 or closing <> 0
),

-- names for the billing team's reports (billing_email stays in staging); narrow CTEs joined
-- with USING so the unqualified final select stays unambiguous
client_names as (
    select client_id, client_name, oem from {{ ref('dim_clients') }}
),

product_names as (
    select product_code, product_name from {{ ref('dim_products') }}
)

select
    client_id,
    product_code,
    month,
    cast(opening as decimal(18,2)) as opening,
    cast(case when movement = 'new' then closing else 0 end as decimal(18,2)) as new,
    cast(case when movement = 'upsell' then closing - opening else 0 end as decimal(18,2)) as upsell,
    cast(case when movement = 'reactivation' then closing else 0 end as decimal(18,2)) as reactivation,
    cast(case when movement = 'decrease' then opening - closing else 0 end as decimal(18,2)) as decrease,
    cast(case when movement = 'cancellation' then opening else 0 end as decimal(18,2)) as cancellation,
    cast(closing as decimal(18,2)) as closing,
    movement,
    currency,
    client_name,
    oem,
    product_name
from classified
left join client_names using (client_id)
left join product_names using (product_code)
