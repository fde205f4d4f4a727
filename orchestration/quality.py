"""Run the Great Expectations suites on what this run landed, as findings for the landing gate.

Only tables whose files changed are validated, and only the rows of those files, so the checks
stay cheap as history grows. GX is imported here, lazily, never at code-location start-up.
"""

from __future__ import annotations

from datetime import date

import duckdb

from ingest.loader import LoadReport
from orchestration.gates import GateFinding


def landed_frames(con: duckdb.DuckDBPyConnection, report: LoadReport) -> dict[str, object]:
    """Per changed table, a pandas frame of the rows of the files loaded in this run."""
    frames: dict[str, object] = {}
    for table in sorted({f.table for f in report.loaded}):
        files = [f.file for f in report.loaded if f.table == table]
        marks = ", ".join("?" for _ in files)
        frames[table] = con.execute(
            f"select * exclude (_loaded_at) from raw.{table} where _source_file in ({marks})"
            " order by _source_file, _row_number",
            files,
        ).df()
    return frames


def quality_findings(con: duckdb.DuckDBPyConnection, report: LoadReport, as_of: date) -> dict[str, list[GateFinding]]:
    """Suite and cross-table failures per table, as gate findings (error blocks, warning shows)."""
    frames = landed_frames(con, report)
    if not frames:
        return {}
    from expectations.cross_checks import CROSS_TABLES, cross_check
    from expectations.runner import validate_batch

    findings: dict[str, list[GateFinding]] = {}
    for table, frame in frames.items():
        result = validate_batch(table, frame, as_of=as_of)
        failures = result.errors + result.warnings
        if table in CROSS_TABLES:
            context = {t: con.execute(f"select * from raw.{t}").df() for t in CROSS_TABLES[table]}
            failures += cross_check(table, frame, context)
        findings[table] = [GateFinding(f.severity, f.message, f.unexpected_count, f.examples) for f in failures]
    return findings
