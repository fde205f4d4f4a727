-- Weekly flash, collections: payments dated in the week, in the client's currency, each at its
-- date's USD rate.
select w.week_start, sum({{ to_usd('p.amount', 'c.currency', 'p.payment_date') }}) as usd
from {{ ref('int_weekly_flash__weeks') }} w
inner join {{ ref('stg_accounting__payments') }} p on p.payment_date between w.week_start and w.week_end
left join {{ ref('stg_contracting__clients') }} c on c.client_id = p.client_id
group by 1
