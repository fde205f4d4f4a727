-- Unapplied cash as of T: every payment dated on or before T whose applications to invoices add
-- up to less than its amount, with the part not applied. The one computation behind the
-- unapplied_cash exceptions, the AR aging summary's unapplied payments and the collections
-- worklist's suggested matches. An application to another client's invoice or in another
-- currency settles nothing (int_payment_applications): its amount stays unapplied.
with applied as (
    select payment_id, sum(amount_applied) as applied
    from {{ ref('int_payment_applications') }}
    where mismatch is null
    group by 1
)

select
    p.payment_id,
    p.client_id,
    p.payment_date,
    p.amount,
    coalesce(a.applied, 0.00) as applied,
    p.amount - coalesce(a.applied, 0.00) as unapplied,
    p._source_file
from {{ ref('stg_accounting__payments') }} p
left join applied a on a.payment_id = p.payment_id
where p.payment_date <= {{ as_of() }} and coalesce(a.applied, 0.00) < p.amount
