-- OEM co-op compliance (SPEC 6): a contract with a program_code must name a known program whose OEM
-- is the client's OEM (compared trimmed, case-insensitive), be for an eligible product of the
-- program, and run inside the program's dates when given (start on or after the program's
-- start_date; end on or before its end_date: an open-ended contract in a program that ends fails).
-- One row per failed rule and contract; no row = compliant. A warn test lists them in Dagster.
with contracts as (
    select c.contract_id, c.client_id, c.product_code, c.program_code, c.start_date, c.end_date, c.oem as client_oem
    from {{ ref('int_contracts') }} c
    where c.program_code is not null and trim(c.program_code) <> ''
),

checked as (
    select c.*, p.program_code as known_program, p.oem as program_oem, p.eligible_products,
        p.start_date as program_start, p.end_date as program_end
    from contracts c
    left join {{ ref('stg_contracting__oem_programs') }} p on p.program_code = c.program_code
),

failures as (
    select contract_id, client_id, program_code, 'unknown_program' as rule,
        'program ' || program_code || ' is not in oem_programs' as detail
    from checked where known_program is null

    union all

    select contract_id, client_id, program_code, 'oem_mismatch',
        'program OEM ' || coalesce(program_oem, '(none)') || ', client OEM ' || coalesce(client_oem, '(none)')
    from checked
    where known_program is not null
        and coalesce(lower(trim(program_oem)), '') <> coalesce(lower(trim(client_oem)), '')

    union all

    select contract_id, client_id, program_code, 'ineligible_product',
        'product ' || product_code || ' not among the eligible ' || coalesce(eligible_products, '(none)')
    from checked
    where known_program is not null
        and not coalesce({{ in_pipe_list('product_code', 'eligible_products') }}, false)

    union all

    select contract_id, client_id, program_code, 'outside_program_dates',
        'contract ' || cast(start_date as {{ dbt.type_string() }}) || ' to '
            || coalesce(cast(end_date as {{ dbt.type_string() }}), 'open') || ', program '
            || coalesce(cast(program_start as {{ dbt.type_string() }}), 'open') || ' to '
            || coalesce(cast(program_end as {{ dbt.type_string() }}), 'open')
    from checked
    where known_program is not null
        and ((program_start is not null and start_date < program_start)
          or (program_end is not null and (end_date is null or end_date > program_end)))
)

select contract_id, client_id, program_code, rule, detail
from failures
