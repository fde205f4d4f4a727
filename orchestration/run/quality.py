"""Run the expectation suites on what this run landed, as findings for the landing gate.

Only tables whose files changed are validated, and only the rows of those files, so the checks
stay cheap as history grows. The suites run inside DuckDB (expectations/sql_engine.py): no
landed row is copied into Python for them. The cross-table rules (expectations/cross_checks.py)
cover only contracting and accounting tables, which are small; they read pandas frames of the
new rows and of the tables they look up.
"""

from __future__ import annotations

from datetime import date

import duckdb

from ingest.loader import LoadReport
from orchestration.run.findings import GateFinding


def quality_findings(con: duckdb.DuckDBPyConnection, report: LoadReport, as_of: date) -> dict[str, list[GateFinding]]:
    """Suite and cross-table failures per table, as gate findings (error blocks, warning shows)."""
    from expectations.cross_checks import CROSS_TABLES, cross_check
    from expectations.runner import validate_landed

    findings: dict[str, list[GateFinding]] = {}
    landed = report.new_loads()  # caught-up files were gated by the run that published them
    for table in sorted({f.table for f in landed}):
        files = [f.file for f in landed if f.table == table]
        result = validate_landed(con, table, files, as_of=as_of)
        failures = result.errors + result.warnings
        if table in CROSS_TABLES and result.evaluated_rows:
            marks = ", ".join("?" for _ in files)
            new = con.execute(
                f"select * exclude (_loaded_at) from raw.{table} where _source_file in ({marks})"
                " order by _source_file, _row_number",
                files,
            ).df()
            context = {t: con.execute(f"select * from raw.{t}").df() for t in CROSS_TABLES[table]}
            failures += cross_check(table, new, context)
        findings[table] = [GateFinding(f.severity, f.message, f.unexpected_count, f.examples) for f in failures]
    return findings
