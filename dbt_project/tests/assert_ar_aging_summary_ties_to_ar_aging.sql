-- The AR aging summary ties to ar_aging: per currency, each bucket's total and the grand total
-- equal ar_aging's open amounts; per row, total is the sum of the buckets and net_balance is
-- total + unapplied_payments + unapplied_credits. Returns what does not tie.
with aging as (
    select
        currency,
        sum(open_amount) filter (where aging_bucket = 'current') as current_amount,
        sum(open_amount) filter (where aging_bucket = '1-30') as days_1_30,
        sum(open_amount) filter (where aging_bucket = '31-60') as days_31_60,
        sum(open_amount) filter (where aging_bucket = '61-90') as days_61_90,
        sum(open_amount) filter (where aging_bucket = '90+') as over_90,
        sum(open_amount) as total
    from {{ ref('ar_aging') }}
    group by 1
),

summary as (
    select
        currency,
        sum(current) as current_amount,
        sum(days_1_30) as days_1_30,
        sum(days_31_60) as days_31_60,
        sum(days_61_90) as days_61_90,
        sum(over_90) as over_90,
        sum(total) as total
    from {{ ref('ar_aging_summary') }}
    group by 1
)

select coalesce(a.currency, s.currency) as currency, 'bucket totals differ from ar_aging' as problem
from aging a
full outer join summary s on coalesce(s.currency, '') = coalesce(a.currency, '')  -- PostgreSQL: a hashable condition
where coalesce(a.current_amount, 0) <> coalesce(s.current_amount, 0)
   or coalesce(a.days_1_30, 0) <> coalesce(s.days_1_30, 0)
   or coalesce(a.days_31_60, 0) <> coalesce(s.days_31_60, 0)
   or coalesce(a.days_61_90, 0) <> coalesce(s.days_61_90, 0)
   or coalesce(a.over_90, 0) <> coalesce(s.over_90, 0)
   or coalesce(a.total, 0) <> coalesce(s.total, 0)

union all

select currency, 'row does not foot: ' || client_id
from {{ ref('ar_aging_summary') }}
where total <> current + days_1_30 + days_31_60 + days_61_90 + over_90
   or net_balance <> total + unapplied_payments + unapplied_credits
