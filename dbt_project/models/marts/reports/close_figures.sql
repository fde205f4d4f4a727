-- Every figure a month-end close freezes (`revwh close --month`), one row per figure, for every
-- month that has ended by T, as of the month's last day by transaction date (SPEC 6, close by
-- accounting period): an invoice, memo, payment or write-off dated after the month's end belongs
-- to a later period and never changes the month's figures; one dated in the month but landed
-- late (a late export, a restated file) does, and is a post-close adjustment once it is closed. `revwh close` copies a month's rows into closed.figures; each later
-- run compares them with this model's current values (post_close_adjustments). Missing means 0:
-- a figure that disappears (an invoice no longer open at the month end) or appears later is a
-- change from or to 0.
--   revenue_recognition          recognized_total, billed, deferred_revenue, unbilled_revenue per
--                                contract (or client, for a memo without a contract) and month:
--                                the month's position as of its last day (int_contract_positions
--                                with end_month = month), not as of T
--   underspend_credits           credit_due, outstanding_liability per contract and month: credit
--                                due as of the month's last day less underspend memos dated on or
--                                before it
--   coop_reimbursement           reimbursement per program, client and month
--   deferred_revenue_rollforward closing_deferred, closing_unbilled per client, currency and month
--   ar_aging_month_end           open_amount per invoice open at the month's last day
with revenue as (
    select
        contract_id,
        client_id,
        currency,
        month,
        billed,
        recognized_media + recognized_fee as recognized_total,
        greatest(position, 0) as deferred_revenue,
        greatest(-position, 0) as unbilled_revenue
    from {{ ref('int_contract_positions') }}
    where end_month = month and {{ dbt.last_day('month', 'month') }} <= {{ as_of() }}
),

underspend_memos as (
    select
        u.contract_id,
        u.month,
        sum(m.amount) as credits_issued
    from {{ ref('underspend_credits') }} u
    inner join {{ ref('stg_accounting__credit_memos') }} m
        on m.contract_id = u.contract_id and m.service_month = u.month
    where m.reason = 'underspend' and m.memo_date <= {{ dbt.last_day('u.month', 'month') }}
    group by 1, 2
),

underspend as (
    select
        u.contract_id,
        u.client_id,
        u.month,
        u.currency,
        coalesce(p.credit_due, 0.00) as credit_due,
        coalesce(p.credit_due, 0.00) - coalesce(m.credits_issued, 0.00) as outstanding_liability
    from {{ ref('underspend_credits') }} u
    left join {{ ref('int_contract_positions') }} p
        on p.contract_id = u.contract_id and p.month = u.month and p.end_month = u.month
    left join underspend_memos m on m.contract_id = u.contract_id and m.month = u.month
),

rollforward as (
    select * from {{ ref('deferred_revenue_rollforward') }}
    where {{ dbt.last_day('month', 'month') }} <= {{ as_of() }}
),

figures as (
    {% for column in ['recognized_total', 'billed', 'deferred_revenue', 'unbilled_revenue'] %}
        select
            month,
            'revenue_recognition' as mart,
            '{{ column }}' as figure,
            coalesce('contract ' || contract_id, 'client ' || client_id || ' (no contract)') as figure_key,
            client_id,
            contract_id,
            cast(null as {{ dbt.type_string() }}) as invoice_id,
            cast(null as {{ dbt.type_string() }}) as program_code,
            currency,
            {{ column }} as value
        from revenue
        union all
    {% endfor %}
    {% for column in ['credit_due', 'outstanding_liability'] %}
        select
            month,
            'underspend_credits' as mart,
            '{{ column }}' as figure,
            'contract ' || contract_id as figure_key,
            client_id,
            contract_id,
            null as invoice_id,
            null as program_code,
            currency,
            {{ column }} as value
        from underspend
        union all
    {% endfor %}
    select
        month,
        'coop_reimbursement' as mart,
        'reimbursement' as figure,
        'program ' || program_code || ' client ' || client_id as figure_key,
        client_id,
        null as contract_id,
        null as invoice_id,
        program_code,
        currency,
        reimbursement as value
    from {{ ref('coop_reimbursement') }}
    union all
    {% for column in ['closing_deferred', 'closing_unbilled'] %}
        select
            month,
            'deferred_revenue_rollforward' as mart,
            '{{ column }}' as figure,
            'client ' || client_id || ' ' || currency as figure_key,
            client_id,
            null as contract_id,
            null as invoice_id,
            null as program_code,
            currency,
            {{ column }} as value
        from rollforward
        union all
    {% endfor %}
    select
        month,
        'ar_aging_month_end' as mart,
        'open_amount' as figure,
        'invoice ' || invoice_id as figure_key,
        client_id,
        null as contract_id,
        invoice_id,
        null as program_code,
        currency,
        open_amount as value
    from {{ ref('ar_aging_month_end') }}
)

select
    month,
    mart,
    figure,
    figure_key,
    client_id,
    contract_id,
    invoice_id,
    program_code,
    currency,
    cast(value as decimal(18,2)) as value
from figures
