-- The contract-day backbone: one row per contract and active day (start_date <= day <=
-- end_date, or open-ended), through the horizon (the end of the month after T's month, or the
-- last month an invoice dated by T bills), with A(c,d), the monthly amount in force that day
-- (latest budget_schedule row with effective_date <= day). Whether a day is on or before T is
-- left to the models that read it, so that a new T does not change a row: a nightly build
-- recomputes only the contracts whose span or budget rows changed (macros/contract_days_increment.sql).
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    pre_hook=["{{ contract_days_recompute() }}", "{{ stamp_recompute(increment_state(this, 'recomputed_by'), is_incremental()) }}",
              "{{ contract_days_delete_recomputed() }}"],
    post_hook=["{{ contract_days_remember('seen_spans') }}", "{{ contract_days_remember('seen_budgets') }}"],
) }}
with spans as (
    select * from ({{ contract_day_spans() }}) s
    {{ contract_days_in_recompute('s') }}
),

days as (
    select
        s.*,
        cast(_g.d as date) as day
    from spans s,
        {{ series_from('cast(s.start_date as timestamp)', 'cast(s.last_day as timestamp)', '1 day', '_g', 'd') }}
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
    cast(extract(day from {{ dbt.last_day('d.day', 'month') }}) as integer) as days_in_month,
    b.monthly_amount
from days d
{{ asof_join('days', 'd', ref('stg_contracting__budget_schedule'), 'b', ('contract_id', 'contract_id'), 'day', 'effective_date',
             ['monthly_amount'], left=true) }}
