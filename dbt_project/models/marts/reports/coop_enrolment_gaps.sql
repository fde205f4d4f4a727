-- Co-op enrolment gaps: contracts not enrolled in any program (no program_code) whose client's
-- OEM runs a co-op program that lists the contract's product as eligible, and that were active
-- on at least one day on or before T. One row per contract and such program: co-op the client
-- could be claiming and is not.
with active as (
    select
        contract_id,
        min(month) as first_active_month,
        max(month) as last_active_month,
        count(*) as active_months
    from {{ ref('int_contract_months') }}
    where active_days_to_date > 0
    group by 1
)

select
    c.client_id,
    cl.client_name,
    c.oem,
    c.contract_id,
    c.product_code,
    pr.product_name,
    p.program_code,
    a.first_active_month,
    a.last_active_month,
    a.active_months,
    {{ as_of() }} as as_of_date
from {{ ref('int_contracts') }} c
join active a on a.contract_id = c.contract_id
join {{ ref('stg_contracting__oem_programs') }} p on p.oem = c.oem
left join {{ ref('dim_clients') }} cl on cl.client_id = c.client_id
left join {{ ref('dim_products') }} pr on pr.product_code = c.product_code
where
    coalesce(trim(c.program_code), '') = ''
    and {{ in_pipe_list("c.product_code", "p.eligible_products") }}
