-- Weekly flash, billings: invoice totals dated in the week, each at its date's USD rate.
select w.week_start, sum({{ to_usd('i.total_amount', 'i.currency', 'i.invoice_date') }}) as usd
from {{ ref('int_weekly_flash__weeks') }} w
inner join {{ ref('stg_accounting__invoices') }} i on i.invoice_date between w.week_start and w.week_end
group by 1
