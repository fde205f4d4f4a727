{#
  stage_validate: the one place where landed text becomes typed rows.

  Reads a raw table (all VARCHAR), casts every column by its declared kind, and gives each
  row a status:
    quarantined  a value fails its cast or rule, or the natural key appears twice in one file
                 (the row goes to data_exceptions with file, row, column and reason)
    superseded   valid, but replaced by a later file or extraction (SPEC: file sorting last
                 wins; latest extracted_at replaces the account-day)
    staged       valid and current: what the stg_ model exposes
  so every landed row is accounted for exactly once.

  columns: list of {name, kind, required?, enum?, nonneg?, as?, platform?}
    kind: text | upper | date | money | decimal | integer | timestamp | currency | account_id
      currency    an ISO 4217 code (upper-cased; any other code, e.g. CDN, quarantines the row)
      account_id  normalized before any ranking or matching (SPEC 5): `platform` is SQL over the
                  raw columns giving the platform (a literal such as 'google_ads', or a column)
  key: natural key columns (typed names) for in-file duplicates
  partition / order: which rows compete for "current" (default: key / latest file name)
  row_checks: list of {column, when (SQL over typed names, true = bad), message}
  only_files: a CTE of _source_file names: only their rows (stage_spend_rows' incremental build)
  records: 'all' (every row keeps _record, the row as landed, as JSON), 'quarantined' (only
           quarantined rows do; the others' _record is null) or 'by_hook' (as 'quarantined', but
           the query leaves every _record null and the model's post-hook
           record_quarantined_rows fills the quarantined rows' from the raw table). The ad-spend
           tables use 'by_hook' (Spark, whose tables take no UPDATE, 'quarantined'): building and
           carrying a JSON text for each of millions of valid rows through the two window
           functions was 60 % of their full build (36 s of 15 s without, google_ads at 5,000
           dealers); and finding the quarantined rows' records inside the query refers to the
           judged rows twice, so DuckDB materializes all of them first: 22.5 s against 14.5 s and
           an UPDATE of 0.3 s (google_ads at 5,000 dealers, 1,210 quarantined rows; 6.0 M rows).
           data_exceptions reads the few valid rows it reports (unattributed spend) from the raw
           table instead.
#}
{% macro _cast_expr(col, src) -%}
  {%- set kind = col.get('kind', 'text') -%}
  {%- set v = "nullif(trim(" ~ src ~ "), '')" -%}
  {%- if kind == 'text' -%} {{ v }}
  {%- elif kind == 'upper' -%} upper({{ v }})
  {%- elif kind == 'date' -%} case when {{ rx_full(v, '\d{4}-\d{2}-\d{2}') }} then {{ try_cast_to(v, 'date') }} end
  {#- The outer cast keeps the declared type on PostgreSQL, whose CASE drops a branch's precision
      and scale (an amount landed as "1000" would stay 1000, not 1000.00); on DuckDB it is a no-op. #}
  {#- Amounts as spreadsheets write them (separators, a currency symbol, (negatives), a trailing
      dot) are read as the number they are: macros/spreadsheet_number.sql. -#}
  {%- elif kind == 'money' -%} cast(cast({{ number_text(v, 'money') }} as decimal(18,2)) as decimal(18,2))
  {%- elif kind == 'decimal' -%} cast(cast({{ number_text(v, 'decimal') }} as decimal(18,9)) as decimal(18,9))
  {%- elif kind == 'integer' -%} cast(cast({{ number_text(v, 'integer') }} as decimal(38,0)) as bigint)
  {%- elif kind == 'currency' -%} case when upper({{ v }}) in ({{ iso_currency_list() }}) then upper({{ v }}) end
  {%- elif kind == 'account_id' -%} nullif({{ normalize_account_id(quoted_sql(col.platform), v) }}, '')
  {%- elif kind == 'timestamp' -%} case when {{ rx_search(v, '(Z|[+-]\d\d:?\d\d)$') }} then {{ utc_naive(try_cast_to(v, 'timestamptz')) }} else {{ try_cast_to(v, 'timestamp') }} end
  {%- else -%} {{ exceptions.raise_compiler_error("unknown kind " ~ kind) }}
  {%- endif -%}
{%- endmacro %}

{% macro _kind_label(kind) -%}
  {%- set labels = {'date': 'a date YYYY-MM-DD', 'money': 'an amount with at most 2 decimals',
      'decimal': 'a decimal number', 'integer': 'a whole number',
      'timestamp': 'a timestamp YYYY-MM-DDTHH:MM:SSZ', 'currency': 'an ISO 4217 currency code',
      'account_id': 'an ad account id (digits; Meta may carry act_)'} -%}
  {{- labels.get(kind, 'text') -}}
{%- endmacro %}

{#- Why a value of `kind` did not convert, in words: the form of a number (number_problem), a date
    in a local form, else what was expected. `v` is the trimmed landed text. -#}
{% macro _kind_problem(kind, v) -%}
  {%- if kind in ('money', 'decimal', 'integer') -%} {{ number_problem(v, kind, _kind_label(kind)) }}
  {%- elif kind == 'date' -%}
  case when {{ rx_full(v, '[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}') }}
       then 'a date in a local form is ambiguous (10/5/2025 is 5 October in the US, 10 May in Canada): export dates as YYYY-MM-DD'
       else 'expected {{ _kind_label(kind) }}' end
  {%- else -%} 'expected {{ _kind_label(kind) }}'
  {%- endif -%}
{%- endmacro %}

{% macro stage_validate(source_name, table_name, columns, key, partition=none, order=none, row_checks=[], only_files=none, records='all', dup_rule='key') %}
{#- dup_rule 'key': the natural key twice in one file quarantines every such row; 'row' (ad reports
    split by device, network, ad group: SPEC 6): only rows identical in every column are duplicates,
    rows sharing the key are parts of one campaign-day that staging sums (stg_<platform>__campaign_spend). #}
{%- if dup_rule == 'row' %}
{%- set dup_columns = [] %}{% for c in columns %}{% do dup_columns.append(adapter.quote(c.get('as', c.name))) %}{% endfor %}
{%- else %}
{%- set dup_columns = key %}
{%- endif %}
{%- set partition = partition or key -%}
{%- set order = order or ['_source_file desc'] -%}
with src as (
    select s.* from {{ source(source_name, table_name) }} s
    {%- if only_files %}
    where exists (select 1 from {{ only_files }} f where f._source_file = s._source_file)
    {%- endif %}
),

typed as (
    select
        _source_file,
        _row_number,
        _loaded_at,
        {%- set _pairs = [] %}{% for c in columns %}{% do _pairs.append((c.name, adapter.quote(c.name))) %}{% endfor %}
        {%- if records == 'all' %}
        {{ json_object(_pairs) }} as _record,
        {%- endif %}
        {%- for c in columns %}
        {{ adapter.quote(c.name) }} as {{ adapter.quote('_raw_' ~ c.get('as', c.name)) }},
        {{ _cast_expr(c, adapter.quote(c.name)) }} as {{ adapter.quote(c.get('as', c.name)) }}{{ "," if not loop.last }}
        {%- endfor %}
    from src
),

checked as (
    select
        *,
        {%- set _checks_sql %}
            {%- for c in columns %}
            {%- set n = c.get('as', c.name) %}
            {%- if c.get('required') %}
            case when nullif(trim({{ adapter.quote('_raw_' ~ n) }}), '') is null then '{{ c.name }}: required value is missing' end @@SEP@@
            {%- endif %}
            {%- if c.get('kind', 'text') not in ['text', 'upper'] %}
            case when nullif(trim({{ adapter.quote('_raw_' ~ n) }}), '') is not null and {{ adapter.quote(n) }} is null
                 then '{{ c.name }}: ' || {{ _kind_problem(c.kind, "trim(" ~ adapter.quote('_raw_' ~ n) ~ ")") }} || ', got ''' || {{ adapter.quote('_raw_' ~ n) }} || '''' end @@SEP@@
            {%- endif %}
            {%- if c.get('enum') %}
            case when {{ adapter.quote(n) }} is not null and {{ adapter.quote(n) }} not in ({% for e in c.enum %}'{{ e }}'{{ "," if not loop.last }}{% endfor %})
                 then '{{ c.name }}: expected one of {{ c.enum | join("|") }}, got ''' || {{ adapter.quote('_raw_' ~ n) }} || '''' end @@SEP@@
            {%- endif %}
            {%- if c.get('nonneg') %}
            case when {{ adapter.quote(n) }} < 0 then '{{ c.name }}: expected a non-negative amount, got ''' || {{ adapter.quote('_raw_' ~ n) }} || '''' end @@SEP@@
            {%- endif %}
            {%- endfor %}
            {%- for rc in row_checks %}
            case when {{ quoted_sql(rc.when) }} then '{{ rc.column }}: {{ rc.message }}' end @@SEP@@
            {%- endfor %}
        {%- endset %}
        {%- set _checks = [] %}{% for x in _checks_sql.split('@@SEP@@') %}{% if x.strip() %}{% do _checks.append(x.strip()) %}{% endif %}{% endfor %}
        {%- do _checks.append('cast(null as ' ~ dbt.type_string() ~ ')') %}
        {{ compact_list(_checks) }} as _error_list
    from typed
),

keyed as (
    select
        *,
        {{ list_len('_error_list') }} = 0
            and sum(case when {{ list_len('_error_list') }} = 0 then 1 else 0 end)
                over (partition by _source_file, {{ dup_columns | join(', ') }}) > 1 as _dup_in_file
    from checked
),

ranked as (
    select
        *,
        case
            when {{ list_len('_error_list') }} > 0 or _dup_in_file then null
            else dense_rank() over (
                partition by ({{ list_len('_error_list') }} = 0 and not _dup_in_file), {{ partition | join(', ') }}
                order by {{ order | join(', ') }})
        end as _currency_rank
    from keyed
),

judged as (
select
    {%- for c in columns %}
    {{ adapter.quote(c.get('as', c.name)) }},
    {%- endfor %}
    _source_file,
    _row_number,
    _loaded_at,
    {%- if records == 'all' %}
    _record,
    {%- elif records == 'by_hook' %}
    cast(null as {{ dbt.type_string() }}) as _record,
    {%- endif %}
    case
        when {{ list_len('_error_list') }} > 0 then {{ list_join('_error_list', "'; '") }}
        {%- if dup_rule == 'row' %}
        when _dup_in_file then '{{ key | join(", ") }}: the same row twice in one file (every column equal)'
        {%- else %}
        when _dup_in_file then '{{ key | join(", ") }}: duplicate key in one file'
        {%- endif %}
    end as _reason,
    case
        when {{ list_len('_error_list') }} > 0 then split_part({{ list_first('_error_list') }}, ':', 1)
        when _dup_in_file then '{{ key[0] }}'
    end as _reason_column,
    case
        when {{ list_len('_error_list') }} > 0 or _dup_in_file then 'quarantined'
        when _currency_rank = 1 then 'staged'
        else 'superseded'
    end as _status
from ranked
)

{%- if records in ('all', 'by_hook') %}

select * from judged
{%- else %},

quarantined_records as (
    select s._source_file, s._row_number, {{ json_object(_pairs) }} as _record
    from src s
    where exists (select 1 from judged j
                  where j._status = 'quarantined' and j._source_file = s._source_file and j._row_number = s._row_number)
)

select
    {%- for c in columns %}
    j.{{ adapter.quote(c.get('as', c.name)) }},
    {%- endfor %}
    j._source_file,
    j._row_number,
    j._loaded_at,
    r._record,
    j._reason,
    j._reason_column,
    j._status
from judged j
left join quarantined_records r on r._source_file = j._source_file and r._row_number = j._row_number
{%- endif %}
{% endmacro %}
