-- One row per landed row that was rejected or could not be matched, and one per rejected file,
-- so nothing landed is lost without a trace. record holds the row as landed (JSON text).
{#- Every landed table's base model, from the contract (macros/landed_tables.sql, generated). #}
{%- set base_models = landed_base_models() %}

with quarantined as (
    {%- for src, tbl in base_models %}
    select
        '{{ tbl }}' as source,
        _source_file as source_file,
        _row_number as line_number,
        _reason_column as column_name,
        'quarantined_row' as exception_type,
        _reason as reason,
        _record as record
    from {{ ref('base_' ~ src ~ '__' ~ tbl) }}
    where _status = 'quarantined'
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

rejected_files as (
    select
        coalesce(table_name, 'landing') as source,
        source_file,
        cast(null as integer) as line_number,
        cast(null as {{ dbt.type_string() }}) as column_name,
        case status when 'rejected' then 'rejected_file' else 'file_not_loaded' end as exception_type,
        error as reason,
        cast(null as {{ dbt.type_string() }}) as record
    from {{ ref('stg_landing__files') }}
    -- a loaded file with a note: its new version was still being written (its previous one stays loaded)
    where status in ('rejected', 'not_loaded') or (status = 'loaded' and error is not null)
),

unattributed as (
    select * from {{ ref('int_ad_spend') }} where not is_contract_active
),

{#- The spend base models keep _record for quarantined rows only (macros/stage_validate.sql,
    records='by_hook' or 'quarantined'); a valid row's record is read from its raw table, as landed: the
    contract's columns in its order (landed_columns, generated from ingest/contract.py), as the
    base models' own. #}
landed_spend as (
    {%- for p in ['google_ads', 'meta_ads', 'microsoft_ads'] %}
    {%- set landed = [] %}
    {%- for name in landed_columns(p) %}
    {%- do landed.append((name, adapter.quote(name))) %}
    {%- endfor %}
    select '{{ p }}' as platform, r._source_file, r._row_number, r._loaded_at,
        {{ json_object(landed) }} as _record
    from {{ source(p, p) }} r
    where exists (select 1 from unattributed u
                  where u.platform = '{{ p }}' and u._source_file = r._source_file and u._row_number = r._row_number)
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

spend_rows as (
    select s.*, b._record
    from unattributed s
    join landed_spend b
        on b.platform = s.platform and b._source_file = s._source_file and b._row_number = s._row_number
        and b._loaded_at = s._loaded_at
),

unmatched_spend as (
    select
        platform as source,
        _source_file as source_file,
        _row_number as line_number,
        case when is_mapped then 'spend_date' else 'account_id' end as column_name,
        case
            when is_ambiguous then 'ambiguous_account_mapping'
            when is_mapped then 'spend_outside_contract'
            else 'unmapped_account'
        end as exception_type,
        case
            when is_ambiguous then 'ad account ' || account_id || ' maps to contracts ' || active_contract_ids
                || ', all active on ' || spend_date || ': spend not attributed; keep one mapping per day in ad_accounts.csv'
            when is_mapped then 'spend on ' || spend_date || ' when contract ' || contract_id || ' is not active: not billed'
            else 'ad account ' || account_id || ' is not in ad_accounts.csv: spend not attributed to any contract'
        end as reason,
        _record as record
    from spend_rows
),

unknown_references as (
    select
        'contracts' as source,
        b._source_file as source_file,
        b._row_number as line_number,
        case when c.pricing_model is null then 'product_code' else 'client_id' end as column_name,
        'unknown_reference' as exception_type,
        case
            when c.pricing_model is null then 'product_code ' || c.product_code || ' is not in products.csv'
            else 'client_id ' || c.client_id || ' is not in clients.csv'
        end as reason,
        b._record as record
    from {{ ref('int_contracts') }} c
    join {{ ref('base_contracting__contracts') }} b
        on b.contract_id = c.contract_id and b._status = 'staged'
    where c.pricing_model is null or c.currency is null
    union all
    select
        'ad_accounts',
        b._source_file,
        b._row_number,
        'contract_id',
        'unknown_reference',
        'contract_id ' || a.contract_id || ' is not in contracts.csv',
        b._record
    from {{ ref('stg_contracting__ad_accounts') }} a
    join {{ ref('base_contracting__ad_accounts') }} b
        on b._source_file = a._source_file and b.contract_id = a.contract_id
        and b.platform = a.platform and b.account_id = a.account_id and b._status = 'staged'
    left join {{ ref('int_contracts') }} c on c.contract_id = a.contract_id
    where c.contract_id is null
)

select * from quarantined
union all select * from rejected_files
union all select * from unmatched_spend
union all select * from unknown_references
union all select * from {{ ref('int_finance_exceptions') }}
union all select * from {{ ref('int_fx_missing_rates') }}
