-- Restatements of closed months: every figure of a month closed now (`revwh close`, not
-- reopened) whose current value differs from the value frozen at the close. Nothing changes in
-- closed.figures; this mart says what changed, by how much and which files probably caused it.
--   closed_value / current_value  missing counts as 0 (a figure gone or new since the close)
--   difference                    current_value - closed_value
--   cause_files                   landing files loaded after the close that hold rows of the
--                                 figure's client (invoices, payments, applications, write-offs,
--                                 credit memos, contracts, budgets, invoice lines, ad spend)
with closes as (
    select month, closed_at, close_run_id
    from {{ ref('stg_closed__closes') }}
    where status = 'closed'
),

closed as (
    select * from {{ ref('stg_closed__figures') }}
),

current_figures as (
    select f.*
    from {{ ref('close_figures') }} f
    where f.month in (select month from closes)
),

compared as (
    select
        coalesce(c.month, n.month) as month,
        coalesce(c.mart, n.mart) as mart,
        coalesce(c.figure, n.figure) as figure,
        coalesce(c.figure_key, n.figure_key) as figure_key,
        coalesce(c.client_id, n.client_id) as client_id,
        coalesce(c.contract_id, n.contract_id) as contract_id,
        coalesce(c.invoice_id, n.invoice_id) as invoice_id,
        coalesce(c.program_code, n.program_code) as program_code,
        coalesce(c.currency, n.currency) as currency,
        coalesce(c.value, 0) as closed_value,
        coalesce(n.value, 0) as current_value,
        m.closed_at,
        m.close_run_id
    from closed c
    full outer join current_figures n
        on
            n.month = c.month
            and n.mart = c.mart
            and n.figure = c.figure
            and n.figure_key = c.figure_key
            and n.currency is not distinct from c.currency
    inner join closes m on m.month = coalesce(c.month, n.month)
),

invoice_clients as (
    select invoice_id, client_id from {{ ref('stg_accounting__invoices') }}
),

mentions as (
    select client_id, _source_file from {{ ref('stg_accounting__invoices') }}
    union all
    select client_id, _source_file from {{ ref('stg_accounting__payments') }}
    union all
    select client_id, _source_file from {{ ref('stg_accounting__credit_memos') }}
    union all
    select i.client_id, a._source_file
    from {{ ref('stg_accounting__payment_applications') }} a
    inner join invoice_clients i on i.invoice_id = a.invoice_id
    union all
    select i.client_id, w._source_file
    from {{ ref('stg_accounting__write_offs') }} w
    inner join invoice_clients i on i.invoice_id = w.invoice_id
    union all
    select i.client_id, l._source_file
    from {{ ref('stg_accounting__invoice_lines') }} l
    inner join invoice_clients i on i.invoice_id = l.invoice_id
    union all
    select client_id, _source_file from {{ ref('stg_contracting__contracts') }}
    union all
    select c.client_id, b._source_file
    from {{ ref('stg_contracting__budget_schedule') }} b
    inner join {{ ref('stg_contracting__contracts') }} c on c.contract_id = b.contract_id
    union all
    select client_id, _source_file from {{ ref('int_ad_spend') }}
),

causes as (
    select
        x.month,
        x.client_id,
        {{ agg_string('m._source_file', "', '", distinct=true) }} as cause_files
    from (select distinct month, client_id, closed_at from compared) x
    inner join mentions m on m.client_id = x.client_id
    inner join {{ ref('stg_landing__files') }} f on f.source_file = m._source_file
    where f.loaded_at > x.closed_at
    group by 1, 2
)

select
    c.month,
    c.mart,
    c.figure,
    c.figure_key,
    c.client_id,
    cl.client_name,
    c.contract_id,
    c.invoice_id,
    c.program_code,
    c.currency,
    cast(c.closed_value as decimal(18,2)) as closed_value,
    cast(c.current_value as decimal(18,2)) as current_value,
    cast(c.current_value - c.closed_value as decimal(18,2)) as difference,
    c.closed_at,
    c.close_run_id,
    k.cause_files
from compared c
left join causes k on k.month = c.month and k.client_id = c.client_id
left join {{ ref('dim_clients') }} cl on cl.client_id = c.client_id
where c.current_value <> c.closed_value
