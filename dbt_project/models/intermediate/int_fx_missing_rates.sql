-- Conversions that need a rate for a currency and day with no rate on or before that day
-- (SPEC 5): one data_exceptions row (missing_fx_rate) per landed row whose amount is left out of a
-- USD figure (spend rows, invoices, payments), and one per currency and month for monthly figures
-- (revenue, underspend) converted at the month's last day (T for the month of T).
with rates as (
    select currency, min(rate_day) as first_rate_day
    from {{ ref('int_fx_daily_rates') }}
    group by 1
),

spend as (
    select
        s.platform as source,
        s._source_file as source_file,
        s._row_number as line_number,
        case when s.is_missing_usd_rate then s.account_currency else s.currency end as currency,
        s.spend_date as needed_day,
        'spend of ' || s.account_spend || ' ' || s.account_currency || ' on ' || s.spend_date as what
    from {{ ref('int_ad_spend') }} s
    where s.is_missing_usd_rate or s.is_missing_client_rate
),

invoices as (
    select 'invoices', i._source_file, b._row_number, i.currency, i.invoice_date,
        'invoice ' || i.invoice_id || ' of ' || i.total_amount || ' ' || i.currency
    from {{ ref('stg_accounting__invoices') }} i
    join {{ ref('base_accounting__invoices') }} b
        on b._source_file = i._source_file and b.invoice_id = i.invoice_id and b._status = 'staged'
    where i.currency <> 'USD' and i.invoice_date <= {{ as_of() }}
),

payments as (
    select 'payments', p._source_file, b._row_number, c.currency, p.payment_date,
        'payment ' || p.payment_id || ' of ' || p.amount || ' ' || c.currency
    from {{ ref('stg_accounting__payments') }} p
    join {{ ref('stg_contracting__clients') }} c on c.client_id = p.client_id
    join {{ ref('base_accounting__payments') }} b
        on b._source_file = p._source_file and b.payment_id = p.payment_id and b._status = 'staged'
    where c.currency <> 'USD' and p.payment_date <= {{ as_of() }}
),

monthly as (
    select 'fx_rates', cast(null as {{ dbt.type_string() }}), cast(null as integer), currency, {{ month_rate_day('month') }},
        'monthly figures of ' || {{ year_month_text('month') }} || ' in ' || currency || ' (contracts '
        || {{ agg_string('contract_id', "', '", distinct=true) }} || ')'
    from {{ ref('int_contract_months') }}
    where currency <> 'USD' and month <= {{ as_of_month() }}
    group by currency, month
),

needed as (
    select * from spend
    union all select * from invoices
    union all select * from payments
    union all select * from monthly
)

select
    n.source,
    n.source_file,
    n.line_number,
    'currency' as column_name,
    'missing_fx_rate' as exception_type,
    'no ' || n.currency || ' rate on or before ' || n.needed_day
        || coalesce(' (first ' || n.currency || ' rate ' || r.first_rate_day || ')', ' (fx_rates has no ' || n.currency || ' rate)')
        || ': ' || n.what || ' is left out of USD figures' as reason,
    cast(null as {{ dbt.type_string() }}) as record
from needed n
left join rates r on r.currency = n.currency
where r.first_rate_day is null or n.needed_day < r.first_rate_day
