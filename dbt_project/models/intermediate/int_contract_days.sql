-- The contract-day backbone: one row per contract and active day (start_date <= day <=
-- end_date, or open-ended), through the end of the month after T's month, with A(c,d), the
-- monthly amount in force that day (latest budget_schedule row with effective_date <= day).
with days as (
    select
        c.*,
        cast(_g.d as date) as day
    from {{ ref('int_contracts') }} c,
        {{ series_from('cast(c.start_date as timestamp)', 'cast(least(coalesce(c.end_date, ' ~ horizon_end() ~ '), ' ~ horizon_end() ~ ') as timestamp)', '1 day', '_g', 'd') }}
    where c.start_date <= {{ horizon_end() }}
)

select
    d.contract_id,
    d.client_id,
    d.product_code,
    d.program_code,
    d.pricing_model,
    d.currency,
    d.day,
    cast(date_trunc('month', d.day) as date) as month,
    cast(extract(day from {{ month_end('d.day') }}) as integer) as days_in_month,
    b.monthly_amount,
    d.day <= {{ as_of() }} as is_through_as_of
from days d
{{ asof_join('days', 'd', ref('stg_contracting__budget_schedule'), 'b', ('contract_id', 'contract_id'), 'day', 'effective_date',
             ['monthly_amount'], left=true) }}
