-- Contracts with what every rule needs about them: product pricing model, client currency.
select
    c.contract_id,
    c.client_id,
    c.product_code,
    c.program_code,
    c.start_date,
    c.end_date,
    p.pricing_model,
    cl.currency,
    cl.oem
from {{ ref('stg_contracting__contracts') }} c
left join {{ ref('stg_contracting__products') }} p on p.product_code = c.product_code
left join {{ ref('stg_contracting__clients') }} cl on cl.client_id = c.client_id
