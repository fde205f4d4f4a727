-- Conservation per landing file: every landed row is staged, quarantined (in data_exceptions)
-- or superseded (replaced by a later file or a later extraction of the same account-day).
-- landed_rows = staged_rows + quarantined_rows + superseded_rows is enforced by a dbt test.
{%- set base_models = [
    'base_google_ads__google_ads', 'base_meta_ads__meta_ads', 'base_microsoft_ads__microsoft_ads',
    'base_contracting__clients', 'base_contracting__products', 'base_contracting__oem_programs',
    'base_contracting__contracts', 'base_contracting__budget_schedule', 'base_contracting__rate_card',
    'base_contracting__client_discounts', 'base_contracting__ad_accounts',
    'base_accounting__invoices', 'base_accounting__invoice_lines', 'base_accounting__credit_memos',
    'base_accounting__payments', 'base_accounting__payment_applications', 'base_accounting__write_offs',
    'base_fx__fx_rates', 'base_ads__ad_coverage',
] %}
with statuses as (
    {%- for m in base_models %}
    select _source_file, _status from {{ ref(m) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

counts as (
    select
        _source_file as source_file,
        count(*) filter (where _status = 'staged') as staged_rows,
        count(*) filter (where _status = 'quarantined') as quarantined_rows,
        count(*) filter (where _status = 'superseded') as superseded_rows
    from statuses
    group by 1
)

select
    f.source_file,
    f.table_name,
    f.status as file_status,
    f.error as file_error,
    f.loaded_at,
    f.row_count as landed_rows,
    coalesce(c.staged_rows, 0) as staged_rows,
    coalesce(c.quarantined_rows, 0) as quarantined_rows,
    coalesce(c.superseded_rows, 0) as superseded_rows
from {{ ref('stg_landing__files') }} f
left join counts c on c.source_file = f.source_file
