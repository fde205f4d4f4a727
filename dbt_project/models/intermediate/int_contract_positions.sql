-- The net position of every contract and service month as of each month's last day (T for the
-- month of T), SPEC 5:
--   billed      invoice lines dated on or before that day, less billing_error / dispute / goodwill
--               memos dated on or before it (int_billing_events); net presentation: the non-media
--               part (a memo carries no line type: it is shared in proportion to the lines)
--   recognized  the service month's recognition (int_contract_month_revenue) once the month has
--               begun by that day, else 0 (net presentation: the fee only); a client-level row
--               (contract_id null, SPEC 6): its memos' -amount (a memo without a contract reduces
--               billed and revenue alike, so it is never unbilled revenue) in recognized_fee, and
--               0 for lines naming an unknown contract (billed, not earned: deferred until resolved)
--   credit_due  closed media months: min(underspend, max(0, billed_media - delivered_media)),
--               billed_media = media lines less their share of memos, as of that day (0 in net
--               presentation)
--   position    billed - recognized - credit_due; deferred = max(0, position),
--               unbilled = max(0, -position)
-- revenue_recognition is the slice as of T, the roll-forward sums each month's slice per client,
-- so the roll-forward ties to revenue_recognition by construction.
{%- set net = var('revenue_presentation') == 'net' %}
{#- the first month end: the first service month or the first billing event's month (an invoice dated
    before its service month, billed in advance), whichever is earlier #}
{%- set first_end = "cast((select min(_f.m) from (select month as m from revenue union all select cast(date_trunc('month', event_date) as date) from " ~ ref('int_billing_events') ~ ") _f) as timestamp)" %}
with revenue as (
    select * from {{ ref('int_contract_month_revenue') }}
),

ends as (
    select
        end_month,
        {{ month_rate_day('end_month') }} as end_day
    from (
        select cast(_g.d as date) as end_month
        from {{ series_from(first_end, 'cast(' ~ as_of_month() ~ ' as timestamp)', '1 month', '_g', 'd', lateral=false) }}
    ) _em
),

billing as (
    select
        e.end_day,
        b.contract_id,
        b.client_id,
        b.month,
        sum(b.media_amount) as media,
        sum(b.non_media_amount) as non_media,
        sum(b.memo_amount) as memos
    from {{ ref('int_billing_events') }} b
    join ends e on b.event_date <= e.end_day
    group by e.end_day, b.contract_id, b.client_id, b.month
),

positioned as (
    select
        r.*,
        e.end_month,
        e.end_day,
        coalesce(b.media, 0.00) as media,
        coalesce(b.non_media, 0.00) as non_media,
        coalesce(b.memos, 0.00) as memos,
        -- a memo is shared between media and the other lines in proportion to them
        {{ memos_on_media('coalesce(b.media, 0.00)', 'coalesce(b.non_media, 0.00)', 'coalesce(b.memos, 0.00)') }} as memos_on_media
    from revenue r
    cross join ends e
    left join billing b
        on b.end_day = e.end_day and b.client_id = r.client_id and b.month = r.month
        and b.contract_id is not distinct from r.contract_id
    where (r.is_active_month and r.month <= e.end_month) or b.end_day is not null
),

figures as (
    select
        *,
        media - memos_on_media as billed_media,
        media + non_media - memos as billed_gross,
        non_media - (memos - memos_on_media) as billed_non_media,
        case when month <= end_month then delivered_media else 0 end as recognized_media_gross,
        case
            when contract_id is null then -memos
            when month <= end_month then recognized_fee
            else 0
        end as recognized_fee_as_of,
        case
            when pricing_model = 'media' and is_active_month and {{ dbt.last_day('month', 'month') }} <= end_day
                then {{ underspend_credit_due('underspend', 'media', 'non_media', 'memos', 'delivered_media') }}
            else 0
        end as credit_due
    from positioned
)

select
    contract_id,
    client_id,
    product_code,
    currency,
    month,
    end_month,
    end_day,
    is_active_month,
    end_day = {{ as_of() }} as is_as_of_t,
    cast({{ 'billed_non_media' if net else 'billed_gross' }} as decimal(18,2)) as billed,
    cast(billed_media as decimal(18,2)) as billed_media,
    cast(memos as decimal(18,2)) as credit_memos,
    cast({{ '0' if net else 'recognized_media_gross' }} as decimal(18,2)) as recognized_media,
    cast(recognized_fee_as_of as decimal(18,2)) as recognized_fee,
    cast(credit_due as decimal(18,2)) as credit_due,
    cast({{ '0' if net else 'credit_due' }} as decimal(18,2)) as position_credit_due,
    cast({{ 'billed_non_media' if net else 'billed_gross' }}
        - {{ '0' if net else 'recognized_media_gross' }} - recognized_fee_as_of
        - {{ '0' if net else 'credit_due' }} as decimal(18,2)) as position
from figures
