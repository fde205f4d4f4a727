"""Guards a run passes before it may publish: a plausible as-of date, a landing directory that
holds files, and no silent shrink of a source.

The warehouse reflects the files present now (SPEC 1), so a folder that vanished, or an export
cut short, would publish a warehouse with that data gone. A run that would lose a whole source
(a table that had files and now has none) or more than `shrink_threshold` of a source's landed
rows is blocked, naming the source and the counts, unless the user confirms with
`--allow-shrink`. A removed file within the threshold is still honoured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.run.findings import GateFinding

AS_OF_LAG_WARNING_DAYS = 3


class GuardError(Exception):
    """A run that must not start: the message is one line for a person."""


@dataclass(frozen=True)
class SourceCount:
    files: int
    rows: int


def check_as_of(as_of: date, today: date) -> None:
    """T is the last complete day: a date after today would publish nonsense (every contract
    'under', every invoice '90+')."""
    if as_of > today:
        raise GuardError(
            f"as-of date {as_of} is after today ({today}): T is the last day whose data is complete"
            " (a nightly run on day D uses D - 1)"
        )


def check_landing_not_empty(landing: Path) -> None:
    if not landing.is_dir():
        raise GuardError(f"landing directory not found: {landing}")
    if not any(p.is_file() for p in landing.rglob("*")):
        raise GuardError(f"landing directory {landing} holds no files: nothing to build a warehouse from")


def source_counts(con: duckdb.DuckDBPyConnection) -> dict[str, SourceCount]:
    """Loaded files and landed rows per table, as raw._files records them (empty before any load)."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = '_files'"
    ).fetchone()[0]
    if not exists:
        return {}
    rows = con.execute(
        "select table_name, count(*), coalesce(sum(row_count), 0) from raw._files"
        " where status = 'loaded' group by 1"
    ).fetchall()
    return {table: SourceCount(int(files), int(n)) for table, files, n in rows}


def shrink_findings(
    before: dict[str, SourceCount], after: dict[str, SourceCount], threshold: Decimal, *, allowed: bool,
    rejected_tables: frozenset[str] = frozenset(),
) -> dict[str, list[GateFinding]]:
    """Per table, an error (a warning when `allowed`) for a source that lost all its files or more
    than `threshold` of its rows against the published warehouse.

    A table whose file was rejected this run shrank because of that file, not because rows were
    removed: its finding points at the rejection and never suggests --allow-shrink, which would
    publish the warehouse without those rows (the rejection itself blocks the run)."""
    findings: dict[str, list[GateFinding]] = {}
    for table, was in sorted(before.items()):
        if table in rejected_tables:
            hint = "a file of this table was rejected this run (see its line): fix that file and run again"
        elif allowed:
            hint = "published anyway (--allow-shrink)"
        else:
            hint = "restore the files, or run again with --allow-shrink if they were removed on purpose"
        now = after.get(table, SourceCount(0, 0))
        if was.files > 0 and now.files == 0:
            message = (
                f"{table}: the landing directory has no loaded file of this table any more (the published"
                f" warehouse has {was.files} file(s), {was.rows:,} rows); {hint}"
            )
        elif was.rows > 0 and Decimal(was.rows - now.rows) > threshold * was.rows:
            lost = Decimal(100 * (was.rows - now.rows)) / was.rows
            message = (
                f"{table}: {now.rows:,} rows landed against {was.rows:,} in the published warehouse"
                f" ({lost:.0f}% fewer, more than the {threshold * 100:.0f}% allowed); {hint}"
            )
        else:
            continue
        findings[table] = [GateFinding("warning" if allowed else "error", message, max(was.rows - now.rows, 0))]
    return findings
