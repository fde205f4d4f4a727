-- OEM co-op reimbursement per program, client and closed month:
--   reimbursement = min(monthly_cap, round(coop_share_pct x delivered media of eligible products, 2))
-- Eligible: the contract is enrolled in the program (contracts.program_code) and its product is
-- in the program's |-separated eligible_products. Cap and amounts in the client's currency.
with eligible as (
    select
        c.program_code,
        u.client_id,
        u.month,
        sum(u.delivered_media) as eligible_delivered_media,
        min(u.currency) as currency
    from {{ ref('underspend_credits') }} u
    join {{ ref('int_contracts') }} c on c.contract_id = u.contract_id
    join {{ ref('stg_contracting__oem_programs') }} p on p.program_code = c.program_code
    where {{ in_pipe_list("c.product_code", "p.eligible_products") }}
    group by 1, 2, 3
)

select
    e.program_code,
    e.client_id,
    e.month,
    e.eligible_delivered_media,
    least(
        p.monthly_cap,
        cast(round(cast(p.coop_share_pct as decimal(38,9)) * cast(e.eligible_delivered_media as decimal(38,2)), 2) as decimal(18,2))
    ) as reimbursement,
    p.coop_share_pct,
    p.monthly_cap,
    e.currency,
    cl.client_name,
    cl.oem
from eligible e
join {{ ref('stg_contracting__oem_programs') }} p on p.program_code = e.program_code
left join {{ ref('dim_clients') }} cl on cl.client_id = e.client_id
