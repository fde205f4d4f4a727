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

Beside it, the model state (the dbt code and settings other than T) decides how the dbt step
builds: the ad-spend base models are incremental (dbt_project/macros/stage_spend_rows.sql), valid
only while the rules that computed their kept rows are the rules of this run. Same state as the
published warehouse: incremental; else (or `--rebuild`, or no published warehouse) a full
refresh. The mode is recorded in raw._run_inputs for the dbt step and stays in the warehouse.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from ingest.landing import LandingFile, UnrecognizedFile
from orchestration.close.month_close import PUBLISHED_RUN, has_table
from orchestration.engines.base import PublishedInputs
from orchestration.run.dbt_manifest import project_files

RUN_INPUTS = "raw._run_inputs"


FULL, INCREMENTAL = "full", "incremental"


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
    for item in unknown:  # hashed by discovery; a file still being written by its path alone
        if item.waiting:
            add("waiting", item.rel_path)
        else:
            add("other", item.rel_path, item.reason, item.content_hash)
    add("vars", sorted(dbt_vars.items()))
    for path, text_hash in project_files():
        add("dbt", path, text_hash)
    for row in closes:
        add("close", *row)
    return digest.hexdigest()


def model_state(dbt_vars: dict[str, object]) -> str:
    """SHA-256 over what the incremental models' kept rows are a function of besides the raw
    rows: the dbt project's code and the rule settings (T excepted: it moves every night and the
    incremental models do not read it). When it differs from the published warehouse's, the kept
    rows may have been computed by other rules, so the run rebuilds everything."""
    digest = hashlib.sha256()
    digest.update(json.dumps(sorted((k, v) for k, v in dbt_vars.items() if k != "as_of"), default=str).encode())
    for path, text_hash in project_files():
        digest.update(f"{path}\0{text_hash}\n".encode())
    return digest.hexdigest()


def build_mode(previous: PublishedInputs | None, state: str, rebuild: bool) -> str:
    """FULL unless the published warehouse was built by the same models and settings."""
    if rebuild or previous is None or previous.model_state != state:
        return FULL
    return INCREMENTAL


def close_log(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The month-end closes and reopens recorded in a warehouse (none before the first close)."""
    closes = con.execute("select * from closed.close_log order by all").fetchall() if has_table(
        con, "closed", "close_log") else []
    # the invoice runs approved and exported (orchestration/billing/invoice_run.py) count like closes: an
    # approval changes what the next run's marts show, so it is never skipped as "nothing changed"
    if has_table(con, "closed", "invoice_runs"):
        closes += [("invoice_run", *r) for r in con.execute(
            "select invoice_month, status, approved_at, approved_by, lines from closed.invoice_runs order by all"
        ).fetchall()]
    return closes


def published_inputs(published: Path) -> tuple[PublishedInputs | None, list[tuple]]:
    """The published warehouse's fingerprint and publishing run (None without one) and its close log."""
    if not published.exists():
        return None, []
    con = duckdb.connect(str(published), read_only=True)
    try:
        closes = close_log(con)
        row = None
        if has_table(con, "raw", "_run_inputs") and has_table(con, "raw", "_published_run"):
            has_state = con.execute(
                "select count(*) from information_schema.columns where table_schema = 'raw'"
                " and table_name = '_run_inputs' and column_name = 'model_state'").fetchone()[0]
            state = "i.model_state" if has_state else "null"
            row = con.execute(f"select i.fingerprint, p.run_id, p.as_of, {state} from {RUN_INPUTS} i, "
                              f"{PUBLISHED_RUN} p").fetchone()
    finally:
        con.close()
    if row is None:
        return None, closes
    return PublishedInputs(row[0], row[1], str(row[2]), row[3]), closes


def record(con: duckdb.DuckDBPyConnection, value: str, state: str, mode: str) -> None:
    """Written into the working copy by the landing step; published with it. `mode` tells the
    dbt step whether to rebuild every incremental model (FULL) or only what this run landed."""
    con.execute(f"create or replace table {RUN_INPUTS} as select ? as fingerprint, ? as model_state, ? as build_mode",
                [value, state, mode])


def recorded_build_mode(warehouse: Path) -> str:
    """The build mode the landing step recorded in the run's working copy (FULL if none)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        if not has_table(con, "raw", "_run_inputs"):
            return FULL
        row = con.execute(f"select build_mode from {RUN_INPUTS}").fetchone()
    except duckdb.BinderException:
        return FULL
    finally:
        con.close()
    return row[0] if row and row[0] in (FULL, INCREMENTAL) else FULL
