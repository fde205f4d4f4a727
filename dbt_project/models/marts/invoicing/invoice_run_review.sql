-- The invoice run's review list (SPEC 6): each client whose draft for month m needs a person's look,
-- one row per reason (and contract or product where the reason has one), with the detail to decide.
--   new_contract        a contract on the draft never invoiced before (on invoices dated on or before T),
--                       that replaces no earlier contract
--   renewal             such a contract replacing one of the same client and product: the latest earlier
--                       contract of that client and product that ended no earlier than the first day of the
--                       month before the new one's start (no full calendar month between them)
--   upsell, decrease, cancellation, reactivation
--                       budget_movements' rule on the client's and product's monthly amount in force on the
--                       last day of m - 1 (opening) and of m (closing): reactivation = 0 -> > 0 when the
--                       client had a positive amount of the product on an earlier day; 0 -> > 0 the first
--                       time is a new contract (above), not repeated here; the detail names the contracts
--                       of the client and product ending from the last day of m - 1 to the end of m
--   ownership_change    a client_events row of type ownership_change dated in m, or after the client's
--                       previous invoice (dated on or before T) and before the end of m
--   total_change_25pct  the draft invoice's total at least 25% above or below the total of the client's
--                       previous invoice in that currency (the latest dated on or before T)
--   oem_compliance      a contract on the draft with a contract_compliance failure
-- invoice_no is the client's draft invoice in the contract's currency (empty for a cancellation of a
-- client with nothing drafted).
with params as (
    select {{ invoice_month() }} as invoice_month,
        cast({{ dbt.last_day(invoice_month(), 'month') }} as date) as month_end,
        cast({{ dbt.last_day(invoice_month() ~ " - interval '1 month'", 'month') }} as date) as prev_month_end
),

draft as (
    select * from {{ ref('invoice_run_lines') }} where line_type <> 'underspend_credit'
),

invoices as (
    select client_id, currency, invoice_no, sum(amount) as total
    from {{ ref('invoice_run_lines') }}
    group by 1, 2, 3
),

draft_contracts as (
    select distinct d.contract_id, d.client_id, d.currency, d.invoice_no
    from draft d
),

invoiced_before as (
    select distinct l.contract_id
    from {{ ref('stg_accounting__invoice_lines') }} l
    join {{ ref('stg_accounting__invoices') }} i on i.invoice_id = l.invoice_id
    where i.invoice_date <= {{ as_of() }} and l.contract_id is not null
),

first_invoices as (
    select dc.contract_id, dc.client_id, dc.invoice_no, c.product_code, c.start_date
    from draft_contracts dc
    join {{ ref('int_contracts') }} c on c.contract_id = dc.contract_id
    where dc.contract_id not in (select contract_id from invoiced_before)
),

replaced as (
    select contract_id, replaced_id, replaced_end from (
        select f.contract_id, o.contract_id as replaced_id, o.end_date as replaced_end,
            row_number() over (partition by f.contract_id order by o.end_date desc, o.contract_id desc) as _rn
        from first_invoices f
        join {{ ref('int_contracts') }} o
            on o.client_id = f.client_id and o.product_code = f.product_code and o.contract_id <> f.contract_id
            and o.start_date < f.start_date and o.end_date is not null
            and o.end_date >= cast(date_trunc('month', f.start_date) - interval '1 month' as date)
    ) _r where _rn = 1
),

day_amounts as (
    select contract_id, day, coalesce(monthly_amount, 0) as amount from {{ ref('int_contract_days') }}
),

contract_reasons as (
    select f.client_id, f.invoice_no, f.contract_id,
        case when r.replaced_id is null then 'new_contract' else 'renewal' end as reason,
        case when r.replaced_id is null then
            f.contract_id || ' (' || f.product_code || ') starts ' || cast(f.start_date as {{ dbt.type_string() }})
            || ', monthly ' || cast(cast(coalesce(n.amount, 0) as decimal(18,2)) as {{ dbt.type_string() }})
        else
            f.contract_id || ' (' || f.product_code || ') replaces ' || r.replaced_id || ' (ended '
            || cast(r.replaced_end as {{ dbt.type_string() }}) || '): monthly '
            || cast(cast(coalesce(o.amount, 0) as decimal(18,2)) as {{ dbt.type_string() }}) || ' -> '
            || cast(cast(coalesce(n.amount, 0) as decimal(18,2)) as {{ dbt.type_string() }})
        end as detail
    from first_invoices f
    left join replaced r on r.contract_id = f.contract_id
    left join day_amounts n on n.contract_id = f.contract_id and n.day = f.start_date
    left join day_amounts o on o.contract_id = r.replaced_id and o.day = r.replaced_end
),

-- budget_movements' rule, for m: the monthly amount in force on the last day of m - 1 and of m
month_end_amounts as (
    select d.client_id, d.product_code, d.currency,
        sum(case when d.day = p.prev_month_end then coalesce(d.monthly_amount, 0) else 0 end) as opening,
        sum(case when d.day = p.month_end then coalesce(d.monthly_amount, 0) else 0 end) as closing,
        max(case when d.day < p.prev_month_end and coalesce(d.monthly_amount, 0) > 0 then 1 else 0 end) as had_amount
    from {{ ref('int_contract_days') }} d
    cross join params p
    where d.day <= p.month_end
    group by 1, 2, 3
),

movements as (
    select *,
        case
            when opening = 0 and closing > 0 and had_amount = 1 then 'reactivation'
            when opening > 0 and closing = 0 then 'cancellation'
            when opening > 0 and closing > opening then 'upsell'
            when opening > 0 and closing < opening then 'decrease'
        end as movement
    from month_end_amounts
),

ending as (
    select c.client_id, c.product_code,
        {{ agg_string("c.contract_id || ' ends ' || cast(c.end_date as " ~ dbt.type_string() ~ ")", "', '") }} as ends
    from {{ ref('int_contracts') }} c
    cross join params p
    -- from the last day of m - 1 (the day the opening is read: a contract ending then is m's cancellation)
    where c.end_date between p.prev_month_end and p.month_end
    group by 1, 2
),

draft_invoices as (
    select distinct client_id, currency, invoice_no from draft
),

movement_reasons as (
    select m.client_id, i.invoice_no, cast(null as {{ dbt.type_string() }}) as contract_id, m.movement as reason,
        m.product_code || ' monthly ' || cast(cast(m.opening as decimal(18,2)) as {{ dbt.type_string() }}) || ' -> '
            || cast(cast(m.closing as decimal(18,2)) as {{ dbt.type_string() }})
            || coalesce(' (' || e.ends || ')', '') as detail
    from movements m
    left join ending e on e.client_id = m.client_id and e.product_code = m.product_code
    left join draft_invoices i
        on i.client_id = m.client_id and i.currency = m.currency
    where m.movement is not null
),

ranked_invoices as (
    select i.client_id, i.currency, i.invoice_id, i.invoice_date, i.total_amount,
        row_number() over (partition by i.client_id, i.currency order by i.invoice_date desc, i.invoice_id desc) as _rn
    from {{ ref('stg_accounting__invoices') }} i
    where i.invoice_date <= {{ as_of() }}
),

previous_invoices as (
    select client_id, currency, invoice_id, invoice_date, total_amount from ranked_invoices where _rn = 1
),

last_invoice_date as (
    select client_id, max(invoice_date) as invoice_date, max(invoice_id) as invoice_id
    from previous_invoices group by 1
),

ownership_reasons as (
    select distinct e.client_id, i.invoice_no, cast(null as {{ dbt.type_string() }}) as contract_id,
        'ownership_change' as reason,
        'ownership_change on ' || cast(e.event_date as {{ dbt.type_string() }})
            || coalesce(' (previous invoice ' || li.invoice_id || ' of ' || cast(li.invoice_date as {{ dbt.type_string() }}) || ')', '')
            as detail
    from {{ ref('stg_contracting__client_events') }} e
    cross join params p
    join draft_invoices i on i.client_id = e.client_id
    left join last_invoice_date li on li.client_id = e.client_id
    where e.event_type = 'ownership_change'
        and e.event_date <= p.month_end
        and (e.event_date >= p.invoice_month or (li.invoice_date is not null and e.event_date > li.invoice_date))
),

total_reasons as (
    select i.client_id, i.invoice_no, cast(null as {{ dbt.type_string() }}) as contract_id, 'total_change_25pct' as reason,
        'previous invoice ' || p.invoice_id || ' (' || cast(p.invoice_date as {{ dbt.type_string() }}) || ') '
            || cast(cast(p.total_amount as decimal(18,2)) as {{ dbt.type_string() }}) || ', draft '
            || cast(cast(i.total as decimal(18,2)) as {{ dbt.type_string() }}) || ' ('
            || case when i.total >= p.total_amount then '+' else '' end
            || cast(cast(round(100 * (i.total - p.total_amount) / p.total_amount, 1) as decimal(18,1)) as {{ dbt.type_string() }})
            || '%)' as detail
    from invoices i
    join previous_invoices p on p.client_id = i.client_id and p.currency = i.currency
    where p.total_amount > 0 and abs(i.total - p.total_amount) >= 0.25 * p.total_amount
),

compliance_reasons as (
    select dc.client_id, dc.invoice_no, dc.contract_id, 'oem_compliance' as reason,
        cc.contract_id || ' in ' || cc.program_code || ': ' || cc.rule || ' (' || cc.detail || ')' as detail
    from draft_contracts dc
    join {{ ref('contract_compliance') }} cc on cc.contract_id = dc.contract_id
),

reasons as (
    select * from contract_reasons
    union all select * from movement_reasons
    union all select * from ownership_reasons
    union all select * from total_reasons
    union all select * from compliance_reasons
)

select r.client_id, r.invoice_no, r.reason, r.detail, r.contract_id, cl.client_name
from reasons r
left join {{ ref('dim_clients') }} cl on cl.client_id = r.client_id
