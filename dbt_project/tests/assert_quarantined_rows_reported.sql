-- Every quarantined row appears in data_exceptions (nothing lost without a trace).
with audit as (select sum(quarantined_rows) as n from {{ ref('landing_audit') }}),
     reported as (select count(*) as n from {{ ref('data_exceptions') }} where exception_type = 'quarantined_row')
select audit.n as audit_quarantined, reported.n as reported_quarantined
from audit, reported
where coalesce(audit.n, 0) <> reported.n
