{#
  An ad account id as the warehouse compares it (SPEC 5), applied before any ranking or matching:
  Google Ads and Microsoft Advertising ids as digits only (`222-222-2222` = `2222222222`), Meta
  ids without the `act_` prefix (`act_5005` = `5005`). `platform` and `account_id` are SQL.
  ingest/platforms/common.py normalize_account does the same for the connectors.
#}
{% macro normalize_account_id(platform, account_id) -%}
(case ({{ platform }})
    when 'meta_ads' then {{ rx_replace('trim(' ~ account_id ~ ')', '^act_', '', 'i') }}
    when 'google_ads' then {{ rx_replace(account_id, '[^0-9]', '', 'g') }}
    when 'microsoft_ads' then {{ rx_replace(account_id, '[^0-9]', '', 'g') }}
    else trim({{ account_id }})
end)
{%- endmacro %}
