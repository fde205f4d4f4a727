-- Every invoice's settlement events (payments applied, credit memos applied, write-offs) with
-- their dates, so an open amount can be computed as of any day. A payment application takes
-- the payment's date; only an application of the invoice's own client and currency settles it
-- (int_payment_applications).
select
    a.invoice_id,
    a.payment_date as event_date,
    'payment' as event_type,
    a.payment_id as reference,
    a.amount_applied as amount
from {{ ref('int_payment_applications') }} a
where a.mismatch is null
union all
select applied_invoice_id, memo_date, 'credit_memo', credit_memo_id, amount
from {{ ref('stg_accounting__credit_memos') }}
where applied_invoice_id is not null
union all
select invoice_id, write_off_date, 'write_off', null, amount
from {{ ref('stg_accounting__write_offs') }}
