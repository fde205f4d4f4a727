-- The bound: fct_ad_spend_daily, budget_pacing and underspend_credits computed straight from the
-- landing files by one hand-written DuckDB script, the least work a machine must do for them.
-- bench/limit.py fills in {as_of}, the pacing thresholds and, per table, `{files:<table>}` (the
-- table's landing files read as text, with _source_file), runs it and compares with revwh.
-- It applies the same rules as the dbt models, on valid exports (the demo generator's): latest
-- extraction per account-day, pull coverage, account-id normalization, attribution by active day,
-- FX through USD with half-away-from-zero rounding, proration by active days, the credit due
-- capped by media billed less the media share of memos. It checks nothing and keeps nothing.

create macro div_round(n, d, scale) as (
    case when d is null or n is null or d = 0 then null else cast(
        sign(cast(n as decimal(38,10))) * sign(cast(d as decimal(38,10)))
        * ((abs(cast(cast(n as decimal(38,10)) * 10000000000 as hugeint)) * cast(pow(10, scale) as hugeint) * 2
            + abs(cast(cast(d as decimal(38,10)) * 10000000000 as hugeint)))
           // (2 * abs(cast(cast(d as decimal(38,10)) * 10000000000 as hugeint))))
        as decimal(38,0)) * (case scale when 2 then cast(0.01 as decimal(5,4)) else cast(0.0001 as decimal(5,4)) end)
    end
);

create temp table spend_rows as
select 'google_ads' as platform, regexp_replace(customer_id, '[^0-9]', '', 'g') as account_id, campaign_id,
    cast(trim(segments_date) as date) as spend_date, upper(trim(customer_currency_code)) as currency,
    cast(cast(cast(trim(metrics_cost_micros) as hugeint) as decimal(38,6)) * 0.000001 as decimal(18,6)) as spend,
    cast(trim(extracted_at) as timestamp) as extracted_at, _source_file
from {files:google_ads}
union all
select 'meta_ads', regexp_replace(trim(account_id), '^act_', '', 'i'), campaign_id, cast(trim(date_start) as date),
    upper(trim(account_currency)), cast(trim(spend) as decimal(18,6)), cast(trim(extracted_at) as timestamp),
    _source_file
from {files:meta_ads}
union all
select 'microsoft_ads', regexp_replace("AccountId", '[^0-9]', '', 'g'), "CampaignId", cast(trim("TimePeriod") as date),
    upper(trim("CurrencyCode")), cast(trim("Spend") as decimal(18,6)), cast(trim(extracted_at) as timestamp),
    _source_file
from {files:microsoft_ads};

create temp table coverage as
select platform, account_id, spend_date, max(extracted_at) as covered_at
from (
    select platform,
        case platform when 'meta_ads' then regexp_replace(trim(account_id), '^act_', '', 'i')
            else regexp_replace(account_id, '[^0-9]', '', 'g') end as account_id,
        cast(unnest(generate_series(cast(start_date as date), cast(end_date as date), interval 1 day)) as date)
            as spend_date,
        cast(trim(extracted_at) as timestamp) as extracted_at
    from {files:ad_coverage}
)
group by all;

-- the latest extraction of each account-day, unless a later pull covered the day without it
create temp table spend as
select s.*
from (
    select *, dense_rank() over (partition by platform, account_id, spend_date
                                 order by extracted_at desc, _source_file desc) as pick
    from spend_rows
) s
left join coverage c using (platform, account_id, spend_date)
where s.pick = 1 and not coalesce(c.covered_at > s.extracted_at, false);

create temp table contracts as
select c.contract_id, c.client_id, cast(c.start_date as date) as start_date,
    cast(nullif(trim(c.end_date), '') as date) as end_date, p.pricing_model, upper(trim(cl.currency)) as currency
from {files:contracts} c
left join {files:products} p using (product_code)
left join {files:clients} cl using (client_id);

create temp table fx as
select upper(trim(currency)) as currency, cast(rate_date as date) as rate_date,
    cast(usd_per_unit as decimal(18,9)) as usd_per_unit
from {files:fx_rates};

create temp table mapping as
select a.platform,
    case a.platform when 'meta_ads' then regexp_replace(trim(a.account_id), '^act_', '', 'i')
        else regexp_replace(a.account_id, '[^0-9]', '', 'g') end as account_id,
    c.contract_id, c.start_date, c.end_date
from {files:ad_accounts} a
join contracts c using (contract_id);

create temp table attribution as
select platform, account_id, spend_date,
    case when active <= 1 then contract_id end as contract_id,
    coalesce(is_active and active = 1, false) as is_contract_active
from (
    select d.platform, d.account_id, d.spend_date, m.contract_id,
        d.spend_date >= m.start_date and (m.end_date is null or d.spend_date <= m.end_date) as is_active,
        row_number() over (partition by d.platform, d.account_id, d.spend_date order by
            d.spend_date >= m.start_date and (m.end_date is null or d.spend_date <= m.end_date) desc,
            m.start_date <= d.spend_date desc,
            case when m.start_date <= d.spend_date then m.start_date end desc nulls last,
            m.start_date, m.contract_id) as pick,
        count(*) filter (where d.spend_date >= m.start_date and (m.end_date is null or d.spend_date <= m.end_date))
            over (partition by d.platform, d.account_id, d.spend_date) as active
    from (select distinct platform, account_id, spend_date from spend) d
    join mapping m using (platform, account_id)
)
where pick = 1;

create temp table fct_ad_spend_daily as
select s.platform, s.account_id, s.campaign_id, s.spend_date, c.contract_id, c.client_id,
    case when c.currency is null or c.currency = s.currency then cast(round(s.spend, 2) as decimal(18,2))
        else cast(div_round(cast(s.spend as decimal(38,6)) * cast(ra.rate as decimal(38,9)), rc.rate, 2)
            as decimal(18,2)) end as spend,
    coalesce(c.currency, s.currency) as currency,
    cast(div_round(cast(s.spend as decimal(38,6)) * cast(ra.rate as decimal(38,9)), 1, 2) as decimal(18,2))
        as spend_usd,
    coalesce(a.is_contract_active, false) as is_contract_active
from spend s
left join attribution a using (platform, account_id, spend_date)
left join contracts c on c.contract_id = a.contract_id
left join lateral (
    select case when s.currency = 'USD' then cast(1 as decimal(18,9)) else (
        select usd_per_unit from fx where fx.currency = s.currency and fx.rate_date <= s.spend_date
        order by fx.rate_date desc limit 1) end as rate) ra on true
left join lateral (
    select case when c.currency = 'USD' then cast(1 as decimal(18,9)) else (
        select usd_per_unit from fx where fx.currency = c.currency and fx.rate_date <= s.spend_date
        order by fx.rate_date desc limit 1) end as rate) rc on true;

-- the contract-day backbone through the horizon, with the monthly amount in force each day
create temp table horizon as
select cast(greatest(last_day(date '{as_of}' + interval 1 month), least(last_day(date '{as_of}' + interval 12 month),
    coalesce((select max(last_day(cast(l.service_month as date))) from {files:invoice_lines} l
              join {files:invoices} i using (invoice_id) where cast(i.invoice_date as date) <= date '{as_of}'),
             last_day(date '{as_of}')))) as date) as last_day;

create temp table budgets as
select contract_id, cast(effective_date as date) as effective_date, cast(monthly_amount as decimal(18,2)) as amount
from {files:budget_schedule};

create temp table contract_months as
select contract_id, any_value(client_id) as client_id, any_value(currency) as currency,
    any_value(pricing_model) as pricing_model, month, any_value(days_in_month) as days_in_month,
    count(*) as active_days, count(*) filter (where day <= date '{as_of}') as active_days_to_date,
    cast(div_round(sum(coalesce(amount, 0)), any_value(days_in_month), 2) as decimal(18,2)) as billable_amount,
    cast(div_round(coalesce(sum(coalesce(amount, 0)) filter (where day <= date '{as_of}'), 0),
              any_value(days_in_month), 2) as decimal(18,2)) as billable_to_date
from (
    select d.*, cast(date_trunc('month', d.day) as date) as month, dayofmonth(last_day(d.day)) as days_in_month,
        b.amount
    from (
        select c.*, cast(unnest(generate_series(c.start_date,
            least(coalesce(c.end_date, (select last_day from horizon)), (select last_day from horizon)),
            interval 1 day)) as date) as day
        from contracts c where c.start_date <= (select last_day from horizon)
    ) d
    asof left join budgets b on b.contract_id = d.contract_id and d.day >= b.effective_date
)
group by contract_id, month;

create temp table month_spend as
select contract_id, cast(date_trunc('month', spend_date) as date) as month, sum(spend) as spend,
    coalesce(sum(spend) filter (where spend_date <= date '{as_of}'), 0) as spend_to_date
from fct_ad_spend_daily where is_contract_active
group by all;

create temp table budget_pacing as
select m.contract_id, m.billable_to_date as expected_to_date, coalesce(s.spend_to_date, 0) as spend_to_date,
    cast(div_round(coalesce(s.spend_to_date, 0), m.billable_to_date, 4) as decimal(18,4)) as pacing_ratio,
    case
        when m.active_days_to_date = 0 then 'not_started'
        when m.billable_to_date = 0 then case when coalesce(s.spend_to_date, 0) > 0 then 'over' else 'on_track' end
        when coalesce(s.spend_to_date, 0) < cast({under} as decimal(18,6)) * m.billable_to_date then 'under'
        when coalesce(s.spend_to_date, 0) > cast({over} as decimal(18,6)) * m.billable_to_date then 'over'
        else 'on_track'
    end as pacing_status
from contract_months m
left join month_spend s using (contract_id, month)
where m.pricing_model = 'media' and m.month = cast(date_trunc('month', date '{as_of}') as date);

-- media billed per contract and service month as of T, less the media share of memos
create temp table billed as
select contract_id, month, sum(media) as media, sum(non_media) as non_media, sum(memos) as memos
from (
    select l.contract_id, cast(l.service_month as date) as month,
        case when l.line_type = 'media' then cast(l.amount as decimal(18,2)) else 0 end as media,
        case when l.line_type <> 'media' then cast(l.amount as decimal(18,2)) else 0 end as non_media,
        0 as memos
    from {files:invoice_lines} l join {files:invoices} i using (invoice_id)
    where cast(i.invoice_date as date) <= date '{as_of}' and l.contract_id in (select contract_id from contracts)
    union all
    select contract_id, coalesce(cast(nullif(trim(service_month), '') as date),
                                 cast(date_trunc('month', cast(memo_date as date)) as date)),
        0, 0, cast(amount as decimal(18,2))
    from {files:credit_memos}
    where reason <> 'underspend' and cast(memo_date as date) <= date '{as_of}'
        and contract_id in (select contract_id from contracts)
)
group by all;

create temp table underspend_credits as
select m.contract_id, m.month, m.billable_amount as billable_media, coalesce(s.spend, 0) as spend,
    least(coalesce(s.spend, 0), m.billable_amount) as delivered_media,
    m.billable_amount - least(coalesce(s.spend, 0), m.billable_amount) as underspend,
    cast(least(m.billable_amount - least(coalesce(s.spend, 0), m.billable_amount), greatest(0,
        coalesce(b.media, 0) - case when coalesce(b.media, 0) > 0 and coalesce(b.media, 0) + coalesce(b.non_media, 0) > 0
            then least(coalesce(b.media, 0), div_round(coalesce(b.memos, 0) * coalesce(b.media, 0),
                                                       coalesce(b.media, 0) + coalesce(b.non_media, 0), 2))
            else 0 end
        - least(coalesce(s.spend, 0), m.billable_amount))) as decimal(18,2)) as credit_due,
    coalesce(u.issued, 0) as credits_issued
from contract_months m
left join month_spend s using (contract_id, month)
left join billed b using (contract_id, month)
left join (
    select contract_id, cast(service_month as date) as month, sum(cast(amount as decimal(18,2))) as issued
    from {files:credit_memos}
    where reason = 'underspend' and cast(memo_date as date) <= date '{as_of}'
    group by all
) u using (contract_id, month)
where m.pricing_model = 'media' and last_day(m.month) <= date '{as_of}';
