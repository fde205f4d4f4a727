-- Weekly flash, AR over 60 days: open invoice balances more than 60 days past due at the week's
-- end (int_invoice_balances), each at its invoice date's USD rate.
select w.week_start,
    sum({{ to_usd('b.open_amount', 'b.currency', 'b.invoice_date') }}) as usd
from {{ ref('int_weekly_flash__weeks') }} w
inner join {{ ref('int_invoice_balances') }} b on b.balance_date = w.week_end and b.is_week_end
where {{ days_past_due('w.week_end', 'b.invoice_date', 'b.due_date') }} > 60
group by 1
