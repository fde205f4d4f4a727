"""Month-end close: freeze a month's figures so that later runs can never change them silently.

`revwh close --month YYYY-MM` copies every figure `marts.close_figures` holds for that month
(revenue recognition, underspend credits, co-op reimbursement, the roll-forward, AR aging as of
the month's last day) into `closed.figures`, with a row in `closed.close_log` naming who closed
it, when, and the Dagster run that published the warehouse being closed. Every later run keeps
the `closed` schema (the run's working copy starts from the published warehouse) and compares:
a restatement that changes a closed figure appears in `marts.post_close_adjustments` and in the
run summary. `revwh reopen --month YYYY-MM --reason TEXT` marks the close reopened (recorded,
with the reason; its figures stay for audit) so the month can be corrected and closed again.

Both commands take the warehouse lock (no run can be writing), change a copy of the published
warehouse and swap it in atomically, exactly like a run: readers see the old file or the new one.

On `--target postgres` or `spark` the marts are the engine's and the `--warehouse` file is the
landing store: the figures (and T, and the publishing run) are read from the engine's
`marts.close_figures`, and the close is written into the store's `closed` tables, which the next
run copies to the engine like every landed table (its fingerprint includes the close log, so it
rebuilds and compares). On PostgreSQL the database's advisory lock is held too.
Each is also recorded in the Dagster instance the UI shows, as a materialization of the asset
`closed/figures` (with the month, who, and the reason for a reopen), so finance sees closes
beside the runs.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from orchestration.close.journal import month_end
from orchestration.engines.base import Engine, EngineError
from orchestration.engines.targets import engine_for

CLOSED_DDL = (
    "create schema if not exists closed",
    """create table if not exists closed.close_log (
        close_id integer not null, month date not null, status varchar not null,
        closed_at timestamp not null, closed_by varchar, close_run_id varchar, warehouse_as_of date,
        figures bigint not null, reopened_at timestamp, reopened_by varchar, reopen_reason varchar,
        approved_at timestamp, approved_by varchar)""",
    # warehouses closed before approval existed gain the columns (null: never approved)
    "alter table closed.close_log add column if not exists approved_at timestamp",
    "alter table closed.close_log add column if not exists approved_by varchar",
    """create table if not exists closed.close_files (
        close_id integer not null, source_file varchar not null, table_name varchar,
        content_hash varchar, loaded_at timestamp)""",
    """create table if not exists closed.figures (
        close_id integer not null, month date not null, mart varchar not null, figure varchar not null,
        figure_key varchar not null, client_id varchar, contract_id varchar, invoice_id varchar,
        program_code varchar, currency varchar, value decimal(18,2))""",
    # The invoice run's approvals (orchestration/billing/invoice_run.py, `revwh invoice-run --approve`): one row
    # per approved month, and the approved draft's lines frozen as they were approved. Kept across runs
    # like the closes (orchestration/run/working_copy.py takes the whole schema from the published warehouse).
    """create table if not exists closed.invoice_runs (
        invoice_month date not null, status varchar not null, approved_at timestamp not null,
        approved_by varchar, approve_run_id varchar, warehouse_as_of date, lines bigint not null,
        exported_at timestamp, exported_by varchar)""",
    """create table if not exists closed.invoice_run_lines (
        invoice_month date not null, invoice_no varchar not null, client_id varchar not null, client_name varchar,
        contract_id varchar, product_code varchar, item_name varchar, service_month date, line_type varchar not null,
        amount decimal(18,2) not null, currency varchar not null, invoice_date date not null, due_date date not null,
        terms_days integer not null)""",
)
PUBLISHED_RUN = "raw._published_run"  # one row: the Dagster run that published this warehouse


class CloseError(Exception):
    """A close or reopen that cannot be done; the message is one line for a person."""


@dataclass(frozen=True)
class CloseResult:
    month: date
    close_id: int
    figures: int
    run_id: str | None
    as_of: date
    prepared_by: str = ""
    files: int = 0


def ensure_closed_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The `closed` tables exist (empty) in every warehouse, so dbt can always read them."""
    for statement in CLOSED_DDL:
        con.execute(statement)


def record_published_run(con: duckdb.DuckDBPyConnection, run_id: str, as_of: date) -> None:
    """Called by the publish step on the working copy: which run built this warehouse."""
    con.execute(f"create or replace table {PUBLISHED_RUN} as select ? as run_id, ? as as_of, now() as published_at",
                [run_id, as_of])


def parse_month(text: str) -> date:
    """The first day of a month given as YYYY-MM (exactly: 2026-9 is refused)."""
    try:
        if len(text) != 7:
            raise ValueError
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise CloseError(f"expected a month YYYY-MM, got {text!r}") from None


def _current_close(con: duckdb.DuckDBPyConnection, month: date) -> tuple | None:
    return con.execute(
        "select close_id, closed_at, closed_by, close_run_id from closed.close_log"
        " where month = ? and status = 'closed'", [month]).fetchone()


def _change_published(warehouse: Path, change: Callable[[duckdb.DuckDBPyConnection], object]) -> object:
    """Apply `change(con)` to a copy of the published warehouse and swap it in.

    The caller holds the warehouse lock, so no run publishes in between."""
    work = warehouse.with_name(warehouse.name + ".closing")
    for stale in (work, work.with_name(work.name + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.copy2(warehouse, work)
    try:
        con = duckdb.connect(str(work))
        try:
            ensure_closed_schema(con)
            result = change(con)
            con.execute("checkpoint")
        finally:
            con.close()
        os.replace(work, warehouse)
    finally:
        work.unlink(missing_ok=True)
    return result


def _require_file(warehouse: Path) -> None:
    """Before taking the lock: the lock file goes beside the warehouse, which must exist."""
    if not warehouse.is_file():
        raise CloseError(f"no warehouse at {warehouse}: run `revwh run` first, or pass --warehouse")


@dataclass(frozen=True)
class EngineFigures:
    """A month's figures as the engine serving the marts has them (PostgreSQL or Spark)."""

    as_of: date
    run_id: str | None
    rows: list[tuple]  # marts.close_figures' (month, mart, figure, figure_key, client_id, ..., value)


FIGURE_COLUMNS = ("month", "mart", "figure", "figure_key", "client_id", "contract_id", "invoice_id",
                  "program_code", "currency", "value")


def _engine_figures(engine: Engine, month: date) -> EngineFigures:
    """T, the publishing run and the month's figures from the engine's published marts."""
    try:
        with engine.published_marts() as (con, where, run_id):
            return _figures_from(con, where, run_id, month)
    except EngineError as exc:
        raise CloseError(str(exc)) from None


def _figures_from(con: object, where: str, run_id: str | None, month: date) -> EngineFigures:
    present = {t for (t,) in con.execute(  # type: ignore[attr-defined]
        "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
    if "close_figures" not in present:
        raise CloseError(f"{where} has no marts.close_figures: run `revwh run` with this --target first")
    (as_of,) = con.execute("select as_of_date from marts.warehouse_settings").fetchone()  # type: ignore[attr-defined]
    rows = con.execute(  # type: ignore[attr-defined]
        f"select {', '.join(FIGURE_COLUMNS)} from marts.close_figures where month = ?", [month]).fetchall()
    return EngineFigures(as_of, run_id, rows)


def _check_warehouse(warehouse: Path) -> date:
    """Under the lock: the warehouse has the close marts; its as-of date T."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        present = {t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
        if "close_figures" not in present:
            raise CloseError(f"{warehouse} has no marts.close_figures: it was built by an older revwh;"
                             " run `revwh run` again to rebuild it")
        (as_of,) = con.execute("select as_of_date from marts.warehouse_settings").fetchone()
    finally:
        con.close()
    return as_of


SAME_PERSON_ENV = "REVWH_CLOSE_SAME_PERSON"  # 1: the preparer may approve their own close


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _check_order(con: duckdb.DuckDBPyConnection, month: date) -> None:
    """Months close in order: the first close may be any month, then only the month after the
    latest month closed now (a reopened month is not closed)."""
    (latest,) = con.execute("select max(month) from closed.close_log where status = 'closed'").fetchone()
    if latest is not None and month != _next_month(latest):
        raise CloseError(f"cannot close {month:%Y-%m}: months close in order and the latest closed month is"
                         f" {latest:%Y-%m}, so the next one to close is {_next_month(latest):%Y-%m}")


def close_month(warehouse: Path, month: date, user: str | None = None, target: str = "duckdb") -> CloseResult:
    """Prepare the close of `month`: freeze its figures of the published warehouse in `closed` (on
    PostgreSQL or Spark: the engine's figures, frozen in the landing store's `closed`), with the
    preparer (`user`) and the landing files frozen (closed.close_files). The close is final once
    approved (approve_close)."""
    from orchestration.run.warehouse_lock import warehouse_lock

    warehouse = Path(warehouse).expanduser().resolve()
    _require_file(warehouse)
    who = (user or "").strip() or getpass.getuser()
    figures: EngineFigures | None = None

    def change(con: duckdb.DuckDBPyConnection) -> CloseResult:
        current = _current_close(con, month)
        if current is not None:
            _id, closed_at, closed_by, run_id = current
            raise CloseError(f"{month:%Y-%m} is already closed (by {closed_by} at {closed_at:%Y-%m-%d %H:%M},"
                             f" run {run_id}); `revwh reopen --month {month:%Y-%m} --reason ...` first")
        _check_order(con, month)
        (close_id,) = con.execute("select coalesce(max(close_id), 0) + 1 from closed.close_log").fetchone()
        columns = ", ".join(FIGURE_COLUMNS)
        if figures is None:  # the DuckDB warehouse: its own marts and publishing run
            run = con.execute(f"select run_id from {PUBLISHED_RUN}").fetchone() if has_table(
                con, "raw", "_published_run") else None
            run_id = run[0] if run else None
            con.execute(f"insert into closed.figures select ?, {columns} from marts.close_figures where month = ?",
                        [close_id, month])
        else:  # PostgreSQL's or Spark's figures, read before the change, into the landing store
            import polars as pl

            run_id = figures.run_id
            schema = {c: pl.Utf8 for c in FIGURE_COLUMNS} | {"month": pl.Date, "value": pl.Decimal(18, 2)}
            frame = pl.DataFrame(figures.rows, schema=schema, orient="row")  # noqa: F841 - read by DuckDB below
            con.execute(f"insert into closed.figures select ?, {columns} from frame", [close_id])
        (count,) = con.execute("select count(*) from closed.figures where close_id = ?", [close_id]).fetchone()
        if count == 0:
            raise CloseError(f"cannot close {month:%Y-%m}: marts.close_figures has no figure for it;"
                             " a month with nothing to freeze is not closed")
        if has_table(con, "raw", "_files"):  # the landing files whose rows the frozen figures come from
            con.execute("insert into closed.close_files select ?, source_file, table_name, content_hash, loaded_at"
                        " from raw._files where status = 'loaded' order by source_file", [close_id])
        (files,) = con.execute("select count(*) from closed.close_files where close_id = ?", [close_id]).fetchone()
        con.execute(
            "insert into closed.close_log (close_id, month, status, closed_at, closed_by, close_run_id,"
            " warehouse_as_of, figures) values (?, ?, 'closed', now(), ?, ?, ?, ?)",
            [close_id, month, who, run_id, as_of, count])
        return CloseResult(month, close_id, count, run_id, as_of, who, files)

    engine = engine_for(target, warehouse)
    with warehouse_lock(warehouse), _engine_lock(engine):  # the checks and the change see one publish
        if engine.marts_in_file:
            as_of = _check_warehouse(warehouse)
        else:
            figures = _engine_figures(engine, month)
            as_of = figures.as_of
        end = month_end(month)
        if end > as_of:
            raise CloseError(f"cannot close {month:%Y-%m}: the warehouse is as of {as_of}, before the month's last"
                             f" day {end}; run it as of {end} or later first")
        result = _change_published(warehouse, change)
    _record_in_dagster(warehouse, "close", month, result.close_id, who,
                       {"figures": result.figures, "close_run_id": result.run_id or "", "as_of": str(as_of),
                        "files": result.files})
    return result


def same_person_allowed() -> bool:
    return os.environ.get(SAME_PERSON_ENV, "").strip() == "1"


def approve_close(warehouse: Path, month: date, approver: str, target: str = "duckdb") -> tuple[int, str]:
    """Approve `month`'s close (the reviewer's sign-off): the close is final from then on.
    The approver must not be the preparer unless REVWH_CLOSE_SAME_PERSON=1. Returns (close id,
    preparer)."""
    from orchestration.run.warehouse_lock import warehouse_lock

    warehouse = Path(warehouse).expanduser().resolve()
    _require_file(warehouse)
    who = approver.strip()
    if not who:
        raise CloseError("give who approves: --approved-by NAME (it is recorded in closed.close_log)")

    def change(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
        row = con.execute("select close_id, closed_by, approved_by, approved_at from closed.close_log"
                          " where month = ? and status = 'closed'", [month]).fetchone()
        if row is None:
            raise CloseError(f"{month:%Y-%m} is not closed: `revwh close --month {month:%Y-%m} --prepared-by NAME`"
                             " first")
        close_id, preparer, approved_by, approved_at = row
        if approved_at is not None:
            raise CloseError(f"{month:%Y-%m} is already approved (by {approved_by} at {approved_at:%Y-%m-%d %H:%M})")
        if who == preparer and not same_person_allowed():
            raise CloseError(f"{who} prepared the close of {month:%Y-%m}: another person approves it"
                             f" (or set {SAME_PERSON_ENV}=1 where one person does both)")
        con.execute("update closed.close_log set approved_at = now(), approved_by = ? where close_id = ?",
                    [who, close_id])
        return int(close_id), str(preparer)

    engine = engine_for(target, warehouse)
    with warehouse_lock(warehouse), _engine_lock(engine):
        if engine.marts_in_file:
            _check_warehouse(warehouse)
        close_id, preparer = _change_published(warehouse, change)
    _record_in_dagster(warehouse, "approve", month, close_id, who, {"prepared_by": preparer})
    return close_id, preparer


def close_status(warehouse: Path) -> list[tuple]:
    """Every close of the warehouse: (month, close id, status, prepared by, approved by, final)."""
    con = duckdb.connect(str(Path(warehouse).expanduser().resolve()), read_only=True)
    try:
        if not has_table(con, "closed", "close_log"):
            return []
        columns = {c for (c,) in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'closed' and table_name = 'close_log'").fetchall()}
        approved = "approved_by" if "approved_by" in columns else "null"
        return con.execute(
            f"select month, close_id, status, closed_by, {approved},"
            f" status = 'closed' and {approved} is not null from closed.close_log order by close_id").fetchall()
    finally:
        con.close()


@contextlib.contextmanager
def _engine_lock(engine: Engine) -> Iterator[None]:
    """The engine's writer lock too (PostgreSQL: the database's, orchestration/engines/postgres/lock.py):
    no run publishes between reading the figures and writing the close."""
    with engine.writer_lock(0.0):
        yield


def reopen_month(warehouse: Path, month: date, reason: str, user: str | None = None, target: str = "duckdb") -> int:
    """Mark `month`'s close reopened (with who, when and why); returns the close id. On PostgreSQL
    and Spark the close lives in the landing store; the next run copies it to the engine."""
    from orchestration.run.warehouse_lock import warehouse_lock

    warehouse = Path(warehouse).expanduser().resolve()
    _require_file(warehouse)
    if not reason.strip():
        raise CloseError("give the reason for reopening: --reason TEXT (it is recorded in closed.close_log)")
    who = user or getpass.getuser()

    def change(con: duckdb.DuckDBPyConnection) -> int:
        current = _current_close(con, month)
        if current is None:
            raise CloseError(f"{month:%Y-%m} is not closed: nothing to reopen")
        later = [m for (m,) in con.execute("select month from closed.close_log where status = 'closed'"
                                           " and month > ? order by month", [month]).fetchall()]
        if later:
            raise CloseError(f"cannot reopen {month:%Y-%m}: later month(s) {', '.join(f'{m:%Y-%m}' for m in later)}"
                             " are closed; reopen them first, the latest first")
        con.execute(
            "update closed.close_log set status = 'reopened', reopened_at = now(), reopened_by = ?,"
            " reopen_reason = ? where close_id = ?", [who, reason.strip(), current[0]])
        return int(current[0])

    engine = engine_for(target, warehouse)
    with warehouse_lock(warehouse), _engine_lock(engine):
        if engine.marts_in_file:
            _check_warehouse(warehouse)
        close_id = _change_published(warehouse, change)
    _record_in_dagster(warehouse, "reopen", month, close_id, who, {"reason": reason.strip()})
    return close_id


def _record_in_dagster(warehouse: Path, action: str, month: date, close_id: int, who: str,
                       extra: dict[str, object]) -> None:
    """A runless materialization of `closed/figures` in the persistent instance (the UI's)."""
    from dagster import AssetKey, AssetMaterialization

    from orchestration.pipeline.instance import persistent_instance

    with persistent_instance() as instance:
        instance.report_runless_asset_event(AssetMaterialization(
            asset_key=AssetKey(["closed", "figures"]),
            description=f"{action} {month:%Y-%m} (close {close_id}) by {who}",
            metadata={"action": action, "month": f"{month:%Y-%m}", "close_id": close_id, "by": who,
                      "warehouse": str(warehouse), **extra},
        ))


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, database: str | None = None) -> bool:
    """Whether `schema.table` exists (in `database`, an attached one, when given)."""
    where, params = "table_schema = ? and table_name = ?", [schema, table]
    if database is not None:
        where, params = where + " and table_catalog = ?", [*params, database]
    return con.execute(f"select count(*) from information_schema.tables where {where}", params).fetchone()[0] > 0
