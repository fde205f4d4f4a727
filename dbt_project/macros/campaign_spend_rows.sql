{#
  campaign_spend_rows: a platform's current spend per campaign and day, from its base model's
  staged rows (the three stg_<platform>__campaign_spend views).

  A report split by device, network, ad group or ad (SPEC 6: Microsoft exports up to 21 rows per
  campaign-day) lands several rows per campaign-day of one pull; they are summed here (spend,
  impressions, clicks). The rows of one account-day that are current all come from one pull and
  one file (stage_validate ranks by extraction, then file), so the grouping never adds two pulls.
  The line kept is the first of the campaign-day's rows: data_exceptions reads that row's record.
  `spend` is SQL over the summed rows giving the spend in currency units (Google: micros).
#}
{% macro campaign_spend_rows(platform, spend) -%}
select
    '{{ platform }}' as platform,
    account_id,
    campaign_id,
    min(campaign_name) as campaign_name,
    spend_date,
    currency,
    {{ spend }} as spend,
    sum(impressions) as impressions,
    sum(clicks) as clicks,
    extracted_at,
    _source_file,
    min(_row_number) as _row_number,
    _loaded_at
from {{ ref('base_' ~ platform ~ '__' ~ platform) }}
where _status = 'staged'
group by account_id, campaign_id, spend_date, currency, extracted_at, _source_file, _loaded_at
{%- endmacro %}
