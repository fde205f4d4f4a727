"""A warehouse file DuckDB cannot read, and `revwh restore`, the way back.

The published warehouse holds what no landing file does: the month-end closes (`closed` schema,
orchestration/close/month_close.py). So a damaged file (a crash mid-write on a failing disk, a restore
of half a backup) must not be moved away by hand, and `--rebuild` cannot help: every run starts
by reading it. What a run, `revwh sql`, `close` and `report` say instead is one line naming the
file, DuckDB's reason and the command to run:

    revwh restore --warehouse FILE [--from BACKUP]

It takes the warehouse lock, checks that the source (default `FILE.previous`, the generation the
last publish replaced: orchestration/run/working_copy.py) opens read-only with its `raw` schema and,
when it has one, its `closed` tables, copies it beside the warehouse (`FILE.restoring`), moves the
damaged file aside to `FILE.damaged-<timestamp>` (never deleted: it may be wanted for a
post-mortem) and renames the copy into place. The restored file is a published warehouse one
generation (or one backup) behind; the next `revwh run` brings it up to date from the landing
files like any run, and keeps the closes it holds.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb


class WarehouseUnreadable(Exception):
    """The warehouse file exists but DuckDB cannot open it; the message is one line saying what to do."""


class RestoreError(Exception):
    """`revwh restore` cannot be done; the message is one line for a person."""


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _held_by_a_writer(exc: BaseException) -> bool:
    """DuckDB refuses a read-only connection while another process has the file open read-write."""
    return "Could not set lock" in str(exc) or "Conflicting lock" in str(exc)


def open_error_message(warehouse: Path, exc: BaseException) -> str:
    """One line for a DuckDB error opening (or first reading) the published warehouse."""
    if _held_by_a_writer(exc):
        return (f"the warehouse {warehouse} is open for writing in another process ({first_line(exc)}): close that"
                " session (open it read-only: duckdb -readonly) and try again")
    return (f"the warehouse {warehouse} cannot be read ({first_line(exc)}): restore it with"
            f" `revwh restore --warehouse {warehouse}` (from {warehouse}.previous or a backup)")


def check_readable(warehouse: Path) -> None:
    """Raise WarehouseUnreadable when `warehouse` exists and DuckDB cannot open it read-only and
    read its catalog (a missing file is fine: the first run creates it). It reads no table data:
    a file damaged inside one table's blocks opens, and fails where that table is read."""
    if not warehouse.exists():
        return
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            con.execute("select count(*) from information_schema.tables").fetchone()
        finally:
            con.close()
    except duckdb.Error as exc:
        raise WarehouseUnreadable(open_error_message(warehouse, exc)) from None


@dataclass(frozen=True)
class RestoreResult:
    warehouse: Path
    source: Path
    damaged: Path | None  # where the replaced file went (None: there was no file)
    closes: int  # rows of closed.close_log in the restored file
    closed_months: list[str]  # months closed (not reopened) in it, YYYY-MM
    as_of: str | None  # the restored warehouse's T, when it has marts.warehouse_settings


def _inspect(source: Path) -> tuple[int, list[str], str | None]:
    """Refuse a source that is not a revwh warehouse DuckDB can read; its closes and T."""
    if source.with_name(source.name + ".wal").exists():
        raise RestoreError(f"{source} has a write-ahead log beside it ({source}.wal): open it once with"
                           f" `duckdb {source}` and quit (DuckDB folds the log in), then restore again")
    try:
        con = duckdb.connect(str(source), read_only=True)
    except duckdb.Error as exc:
        raise RestoreError(f"cannot restore from {source}: DuckDB cannot read it ({first_line(exc)});"
                           " pass --from BACKUP (a copy of the warehouse)") from None
    try:
        tables = {(s, t) for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}
        if not any(s == "raw" for s, _t in tables):
            raise RestoreError(f"cannot restore from {source}: it has no raw schema, so it is not a revwh warehouse;"
                               " pass --from BACKUP (a copy of the warehouse)")
        closes, months = 0, []
        if ("closed", "close_log") in tables:
            # read every close table whole: the closes are what a restore is for
            for s, t in sorted(tables):
                if s == "closed":
                    con.execute(f'select * from closed."{t}"').fetchall()
            (closes,) = con.execute("select count(*) from closed.close_log").fetchone()
            months = [f"{m:%Y-%m}" for (m,) in con.execute(
                "select month from closed.close_log where status = 'closed' order by month").fetchall()]
        elif any(s == "closed" for s, _t in tables):
            raise RestoreError(f"cannot restore from {source}: its closed schema has no close_log table")
        as_of = None
        if ("marts", "warehouse_settings") in tables:
            (as_of,) = con.execute("select as_of_date from marts.warehouse_settings").fetchone()
        if ("raw", "_files") in tables:
            con.execute("select count(*) from raw._files").fetchone()
    except duckdb.Error as exc:
        raise RestoreError(f"cannot restore from {source}: DuckDB cannot read it ({first_line(exc)});"
                           " pass --from BACKUP (a copy of the warehouse)") from None
    finally:
        con.close()
    return int(closes), months, None if as_of is None else str(as_of)


def _aside(warehouse: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    target = warehouse.with_name(f"{warehouse.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = warehouse.with_name(f"{warehouse.name}.damaged-{stamp}-{n}")
    return target


def restore_warehouse(warehouse: Path, source: Path | None = None, wait_s: float = 0.0) -> RestoreResult:
    """Put a readable copy of `source` (default FILE.previous) in place of `warehouse`, keeping
    the file it replaces as FILE.damaged-<timestamp>. Raises RestoreError, or WarehouseBusy while
    a run, close or reopen holds the warehouse."""
    from orchestration.run.warehouse_lock import warehouse_lock
    from orchestration.run.working_copy import previous_generation

    warehouse = Path(warehouse).expanduser().resolve()
    if warehouse.is_dir():
        raise RestoreError(f"warehouse path {warehouse} is a directory: give the warehouse file")
    source = previous_generation(warehouse) if source is None else Path(source).expanduser().resolve()
    if not source.is_file():
        hint = ("no previous generation is kept after a failed run, a full rebuild or the first run"
                if source == previous_generation(warehouse) else "check the path")
        raise RestoreError(f"nothing to restore from: {source} does not exist ({hint});"
                           " pass --from BACKUP (a copy of the warehouse)")
    if warehouse.exists() and os.path.samefile(source, warehouse):
        raise RestoreError(f"{source} is the warehouse itself: pass --from BACKUP (another copy)")
    with warehouse_lock(warehouse, wait_s):
        closes, months, as_of = _inspect(source)
        restoring = warehouse.with_name(warehouse.name + ".restoring")
        restoring.unlink(missing_ok=True)
        try:
            try:
                shutil.copy2(source, restoring)
            except OSError as exc:
                raise RestoreError(f"cannot copy {source} to {restoring}: {exc.strerror or exc}"
                                   f"; {warehouse} was not changed") from None
            damaged, wal = None, warehouse.with_name(warehouse.name + ".wal")
            if warehouse.exists() or wal.exists():
                aside = _aside(warehouse)
                if warehouse.exists():
                    os.replace(warehouse, aside)
                    damaged = aside
                if wal.exists():  # the damaged file's log must not be replayed onto the restored one
                    os.replace(wal, aside.with_name(aside.name + ".wal"))
            os.replace(restoring, warehouse)
        finally:
            restoring.unlink(missing_ok=True)
    return RestoreResult(warehouse, source, damaged, closes, months, as_of)


def restore_summary(r: RestoreResult) -> str:
    closes = (f"{r.closes} close(s) in closed.close_log" + (f" (closed now: {', '.join(r.closed_months)})"
                                                             if r.closed_months else " (no month closed now)"))
    lines = [
        f"revwh restore: {r.warehouse} restored from {r.source}"
        + (f" (as of {r.as_of})" if r.as_of else ""),
        f"  the file it replaced was moved to {r.damaged} (not deleted)" if r.damaged
        else "  there was no warehouse file to replace",
        f"  the restored warehouse holds {closes}; a close made after {r.source.name} was taken is not in it:"
        " close that month again",
        "  the next `revwh run` brings it up to date from the landing files (the closes stay)",
    ]
    return "\n".join(lines)
