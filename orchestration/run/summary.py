"""The short report printed at the end of a run, read from the published warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from orchestration.engines.targets import engine_for


def run_summary(warehouse: Path, as_of: date | None = None, target: str = "duckdb") -> str:
    """Rows landed per source, marts built, exceptions found, and how to open the warehouse.

    The landed rows come from the warehouse file, the landing store of every engine; the rest is
    the engine's (Engine.summary), which places the landed lines among its own."""
    engine = engine_for(target, warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        landed = _landed_lines(*_landed(con))
    finally:
        con.close()
    return engine.summary(as_of, landed)


def _landed(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Per table (files, rows, rejected files), the rejected files' errors, the files of no table."""
    per_table = con.execute(
        """select table_name,
                  count(*) filter (where status = 'loaded') as files,
                  coalesce(sum(row_count), 0) as rows,
                  count(*) filter (where status = 'rejected') as rejected
           from raw._files where status <> 'not_loaded' group by 1 order by 1"""
    ).fetchall()
    rejected = con.execute("select error from raw._files where status = 'rejected' order by source_file").fetchall()
    not_loaded = con.execute(
        "select source_file, error from raw._files where status = 'not_loaded'"
        " or (status = 'loaded' and error is not null) order by source_file"
    ).fetchall()
    return per_table, rejected, not_loaded


def _landed_lines(per_table: list[tuple], rejected: list[tuple], not_loaded: list[tuple]) -> list[str]:
    lines = ["Rows landed per source (files, rows):"]
    lines += [
        f"  {t:<22} {f:>4} files {r:>10,} rows" + (f"  ({rj} rejected file(s))" if rj else "")
        for t, f, r, rj in per_table
    ]
    if rejected:
        lines.append(f"Rejected files ({len(rejected)}), fix and drop them again:")
        lines += [f"  {error}" for (error,) in rejected]
    if not_loaded:
        lines.append(
            f"Files not loaded ({len(not_loaded)}) (docs/landing-contract.md):"
        )
        lines += [f"  {path}: {reason}" for path, reason in not_loaded]
    return lines
