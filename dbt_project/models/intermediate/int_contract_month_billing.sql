-- Invoice lines on invoices dated on or before T, summed per contract and service month
-- (all line types), with the media and non-media parts kept apart for the net presentation.
select
    l.contract_id,
    l.service_month as month,
    sum(l.amount) as billed,
    coalesce(sum(l.amount) filter (where l.line_type <> 'media'), 0) as billed_non_media,
    string_agg(distinct l.invoice_id, ',' order by l.invoice_id) as invoice_ids
from {{ ref('stg_accounting__invoice_lines') }} l
join {{ ref('stg_accounting__invoices') }} i on i.invoice_id = l.invoice_id
where i.invoice_date <= {{ as_of() }}
  and l.contract_id is not null
group by 1, 2
