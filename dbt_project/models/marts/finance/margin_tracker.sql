-- Margin tracker per client, product and month (through the month of T), always on the gross
-- (principal) view whatever the revenue presentation setting:
--   recognized_revenue = delivered media + recognized fee (revenue_recognition)
--   media_cost         = all spend attributed to the client's contracts of the product in the
--                        month (overspend and spend outside active days included), through T
--   gross_margin       = recognized_revenue - media_cost
--   margin_pct         = gross_margin / recognized_revenue, a fraction with 4 decimals (null when
--                        there is no revenue)
with revenue as (
    select client_id, product_code, month, min(currency) as currency,
        sum(delivered_media + recognized_fee) as recognized_revenue
    from {{ ref('revenue_recognition') }}
    where month <= {{ as_of_month() }}
    group by 1, 2, 3
),

cost as (
    select client_id, product_code, cast(date_trunc('month', spend_date) as date) as month,
        min(currency) as currency, sum(spend) as media_cost
    from {{ ref('int_ad_spend') }}
    where contract_id is not null and spend_date <= {{ as_of() }}
    group by 1, 2, 3
),

joined as (
    select
        coalesce(r.client_id, c.client_id) as client_id,
        coalesce(r.product_code, c.product_code) as product_code,
        coalesce(r.month, c.month) as month,
        coalesce(r.recognized_revenue, 0) as recognized_revenue,
        coalesce(c.media_cost, 0) as media_cost,
        coalesce(r.currency, c.currency) as currency
    from revenue r
    full outer join cost c on c.client_id = r.client_id and c.product_code = r.product_code and c.month = r.month
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
    cast(recognized_revenue as decimal(18,2)) as recognized_revenue,
    cast(media_cost as decimal(18,2)) as media_cost,
    cast(recognized_revenue - media_cost as decimal(18,2)) as gross_margin,
    {{ div_round('recognized_revenue - media_cost', 'recognized_revenue', 4) }} as margin_pct,
    currency,
    client_name,
    oem,
    product_name
from joined
left join client_names using (client_id)
left join product_names using (product_code)
