-- Pacing of each media contract active in the month of T, as of T (spend complete through T).
--   expected_to_date      = billable amount of the active days of the month up to T
--   pacing_ratio          = spend_to_date / expected_to_date (4 places)
--   projected_month_spend = spend_to_date / active days up to T x active days in the month
--   pacing_status         = under (< lower threshold), over (> upper threshold), on_track;
--                           not_started when no active day of the month is on or before T.
-- The status compares exact decimals (spend vs threshold x expected), not the rounded ratio.
select
    m.contract_id,
    m.client_id,
    m.month,
    {{ as_of() }} as as_of_date,
    m.billable_amount as billable_media,
    m.billable_to_date as expected_to_date,
    coalesce(s.spend_to_date, 0.00) as spend_to_date,
    {{ div_round('coalesce(s.spend_to_date, 0.00)', 'm.billable_to_date', 4) }} as pacing_ratio,
    {{ div_round('coalesce(s.spend_to_date, 0.00) * m.active_days', 'm.active_days_to_date', 2) }} as projected_month_spend,
    {{ pacing_status('coalesce(s.spend_to_date, 0.00)', 'm.billable_to_date', 'm.active_days_to_date') }} as pacing_status,
    m.active_days,
    m.active_days_to_date,
    m.currency,
    cl.client_name,
    cl.oem
from {{ ref('int_contract_months') }} m
left join {{ ref('int_contract_month_spend') }} s
    on s.contract_id = m.contract_id and s.month = m.month
left join {{ ref('dim_clients') }} cl on cl.client_id = m.client_id
where m.pricing_model = 'media'
  and m.is_as_of_month
