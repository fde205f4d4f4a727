"""Write small landing directories for tests, and run the real pipeline over them.

Tests describe only the rows that matter; the other contracting, accounting and fx tables are
written with their header only, so the pipeline sees a complete landing contract.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from ingest.contract import TABLES_BY_NAME

Row = Mapping[str, Any] | Sequence[Any]


def write_table(landing: Path, table: str, rows: Iterable[Row], filename: str | None = None) -> Path:
    """Write `rows` (dicts by column, or tuples in SPEC column order) as a CSV of `table`."""
    spec = TABLES_BY_NAME[table]
    folder = landing / spec.folder
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (filename or f"{table}.csv")
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(spec.columns)
        for row in rows:
            if isinstance(row, Mapping):
                writer.writerow(["" if row.get(c) is None else row.get(c) for c in spec.columns])
            else:
                writer.writerow(["" if v is None else v for v in row])
    return path


def write_landing(landing: Path, tables: Mapping[str, Iterable[Row]]) -> Path:
    """A landing directory: the given tables; every other contracting, accounting and fx table
    header-only (ad-platform folders and pull coverage only when given)."""
    for name in TABLES_BY_NAME:
        if not TABLES_BY_NAME[name].folder.startswith("ads") or name in tables:
            write_table(landing, name, tables.get(name, []))
    return landing


def run_pipeline_ok(landing: Path, warehouse: Path, as_of: str, **settings: str) -> None:
    """Run the real Dagster job (the code path of `revwh run`) and require success."""
    from orchestration.run.runner import run_pipeline

    outcome = run_pipeline(landing, warehouse, as_of, **settings)
    assert outcome.success, "pipeline failed:\n" + "\n".join(outcome.failures)


def query(warehouse: Path, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def query_dicts(warehouse: Path, sql: str, params: Sequence[Any] | None = None) -> list[dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()
