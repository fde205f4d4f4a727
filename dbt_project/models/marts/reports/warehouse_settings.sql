-- The settings this warehouse was built with, one row: what the reports (and an analyst) need to
-- say which T and which presentation the figures are on, without the run's metadata in Dagster.
select
    {{ as_of() }} as as_of_date,
    '{{ var("revenue_presentation") }}' as revenue_presentation,
    '{{ var("aging_basis") }}' as aging_basis,
    cast('{{ var("pacing_under_threshold") }}' as decimal(6,4)) as pacing_under_threshold,
    cast('{{ var("pacing_over_threshold") }}' as decimal(6,4)) as pacing_over_threshold
