"""Everything a run's warehouse is a function of, as one fingerprint, so a re-run can be skipped.

A published warehouse is determined by: the landing files (path and content), T and the rule
settings (the dbt vars), the dbt project's code, and the month-end closes recorded in it. A run
whose fingerprint equals the published warehouse's would rebuild the same figures, so it stops
after the landing step: nothing is copied, loaded, gated, modelled, published or re-reported,
and Dagster shows the downstream steps as skipped. Anything else (one changed byte in one file,
another T, another setting, an edited model, a close or reopen) gives another fingerprint and a
full run. The fingerprint is written into the working copy by the landing step and so is
published with the warehouse it describes (raw._run_inputs); which run published it is in
raw._published_run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.landing import LandingFile, UnrecognizedFile, file_hash
from orchestration.dbt_manifest import project_files
from orchestration.month_close import PUBLISHED_RUN, has_table

RUN_INPUTS = "raw._run_inputs"


@dataclass(frozen=True)
class PublishedInputs:
    fingerprint: str
    run_id: str | None
    as_of: str | None


def fingerprint(
    landing_dir: Path,
    files: list[LandingFile],
    unknown: list[UnrecognizedFile],
    dbt_vars: dict[str, object],
    closes: list[tuple],
) -> str:
    """SHA-256 over the run's inputs, in a fixed order."""
    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        digest.update(json.dumps(parts, default=str).encode() + b"\n")

    for lf in files:
        add("file", lf.table.name, lf.rel_path, lf.content_hash)
    for item in unknown:
        add("other", item.rel_path, item.reason, file_hash(landing_dir / item.rel_path))
    add("vars", sorted(dbt_vars.items()))
    for path, text_hash in project_files():
        add("dbt", path, text_hash)
    for row in closes:
        add("close", *row)
    return digest.hexdigest()


def close_log(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The month-end closes and reopens recorded in a warehouse (none before the first close)."""
    return con.execute("select * from closed.close_log order by all").fetchall() if has_table(
        con, "closed", "close_log") else []


def published_inputs(published: Path) -> tuple[PublishedInputs | None, list[tuple]]:
    """The published warehouse's fingerprint and publishing run (None without one) and its close log."""
    if not published.exists():
        return None, []
    con = duckdb.connect(str(published), read_only=True)
    try:
        closes = close_log(con)
        row = None
        if has_table(con, "raw", "_run_inputs") and has_table(con, "raw", "_published_run"):
            row = con.execute(f"select i.fingerprint, p.run_id, p.as_of from {RUN_INPUTS} i, {PUBLISHED_RUN} p"
                              ).fetchone()
    finally:
        con.close()
    if row is None:
        return None, closes
    return PublishedInputs(row[0], row[1], str(row[2])), closes


def record(con: duckdb.DuckDBPyConnection, value: str) -> None:
    """Written into the working copy by the landing step; published with it."""
    con.execute(f"create or replace table {RUN_INPUTS} as select ? as fingerprint", [value])
