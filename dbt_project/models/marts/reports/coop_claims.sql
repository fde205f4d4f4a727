-- Co-op claims to file with the OEMs: one row per program, client and closed month of
-- coop_reimbursement, with the reimbursement in the program's currency (the client's: the cap
-- and the amounts are in it) and in USD at the month's last-day rate (to_usd: NULL, and a
-- missing_fx_rate exception, when no rate is known on or before that day).
select
    r.program_code,
    coalesce(p.oem, r.oem) as oem,
    r.client_id,
    r.client_name,
    r.month,
    cast(r.eligible_delivered_media as decimal(18,2)) as eligible_delivered_media,
    cast(r.reimbursement as decimal(18,2)) as reimbursement,
    r.currency,
    cast({{ dbt.last_day('r.month', 'month') }} as date) as rate_day,
    {{ to_usd('r.reimbursement', 'r.currency', 'cast(' ~ dbt.last_day('r.month', 'month') ~ ' as date)') }} as reimbursement_usd
from {{ ref('coop_reimbursement') }} r
left join {{ ref('stg_contracting__oem_programs') }} p on p.program_code = r.program_code
