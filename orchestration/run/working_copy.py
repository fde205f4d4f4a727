"""The file a run builds on: the previous generation of the warehouse caught up, or a copy.

A run never writes the file analysts open: it builds on `<warehouse>.building` and publishes it
with an atomic rename (orchestration/pipeline/publish.py). Copying the published file to start that
working file costs time and disk I/O in proportion to the whole history, every night. So the
publish step keeps the file it replaces, under `<warehouse>.previous` (a hard link taken just
before the rename: no bytes move), and the next run renames that file to `.building` and works
on it. It is one generation behind, and catches up by the ordinary machinery: the loader brings
its raw tables to the state the landing directory describes now (a file loaded last night is
loaded again), and each incremental dbt model recomputes what differs from its own state
tables, so the work is two nights' changes instead of one, not the history. What is not a
function of the landing files comes from the published warehouse: the month-end closes
(`closed` schema) and, through the loader, the load time of every file it had already loaded,
so the result is the warehouse a copy would have given, row for row (tests/test_working_copy.py).

The published file is copied, as before, when the previous generation cannot be used:
- there is none (the first runs; the last run failed: its working file is removed; or the last
  run was a full build: publish keeps nothing, so no run catches up on the file it replaced);
- it was built by other models or rule settings than the published warehouse (its kept rows
  may follow other rules; a full rebuild would be decided from the published warehouse's state);
- a reader still has it open (a session an analyst opened before the last publish): DuckDB
  admits no writer beside a reader, and the reader must keep what it sees;
- the target is PostgreSQL or Spark, where the file is only the landing store.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.close.month_close import ensure_closed_schema, has_table
from orchestration.run import progress
from orchestration.run.dbt_launcher import remove_stale_run_dirs
from orchestration.run.inputs import RUN_INPUTS

NEW, COPIED, CAUGHT_UP = "new", "copied", "previous generation"
STARTING = "starting the run's working file"
PUBLISHED = "__revwh_published"  # the alias the published warehouse is attached under


@dataclass(frozen=True)
class WorkingFile:
    """How the run's working file was started, and what it takes from the published warehouse."""

    how: str  # NEW, COPIED or CAUGHT_UP
    why: str  # one line for the run's log and the load step's metadata
    # source_file -> (content_hash, loaded_at) of every file the published warehouse had landed,
    # for the loader (ingest/loader.py); None when the working file is a copy or new
    earlier_loads: dict[str, tuple[str, datetime]] | None


def previous_generation(published: Path) -> Path:
    return published.with_name(published.name + ".previous")


def _remove(path: Path) -> None:
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)


def start_working_file(published: Path, building: Path, *, reuse_previous: bool) -> WorkingFile:
    """Start `building` from the previous generation when it can be used, else from a copy of
    `published` (or empty before the first publish). Called under the warehouse lock."""
    building.parent.mkdir(parents=True, exist_ok=True)
    _remove(building)
    remove_stale_run_dirs(building)
    previous = previous_generation(published)
    if not published.exists():
        _remove(previous)
        return WorkingFile(NEW, "no published warehouse yet: starting empty", None)
    progress.report(STARTING)
    earlier: dict[str, tuple[str, datetime]] = {}
    if reuse_previous:
        reason, earlier = _prepare_previous(previous, published)
    else:
        reason = "the target keeps its marts elsewhere"
    if reason is None:
        os.replace(previous, building)
        why = "working on the previous generation, caught up from the landing files (no copy)"
        progress.report(why)
        return WorkingFile(CAUGHT_UP, why, earlier)
    _remove(previous)
    size = published.stat().st_size / 1e6
    progress.report(f"copying the published warehouse ({size:,.0f} MB) to work on")
    shutil.copy2(published, building)
    return WorkingFile(COPIED, f"copied the published warehouse ({size:,.0f} MB): {reason}", None)


def keep_previous_generation(published: Path, *, keep: bool = True) -> None:
    """Called by publish just before the rename: the file being replaced stays as the next
    run's working file. A hard link moves no bytes; where the filesystem has none, nothing is
    kept and the next run copies. After a full build (`--rebuild`, other models or settings)
    nothing is kept: the generation it replaced was built without it, and a run catching up on
    that file would bring back what the rebuild was for."""
    previous = previous_generation(published)
    _remove(previous)
    if keep and published.exists():
        try:
            os.link(published, previous)
        except OSError:
            pass


def _prepare_previous(previous: Path, published: Path) -> tuple[str | None, dict[str, tuple[str, datetime]]]:
    """Why the previous generation cannot be the working file; or None, once it has taken the
    published warehouse's closes, with the published warehouse's load time of each file it
    holds. One connection to each file: opening the previous generation read-write is also the
    check that no reader holds it."""
    if not previous.exists():
        return "no previous generation kept (first publish here, or the last run did not publish)", {}
    if previous.with_name(previous.name + ".wal").exists():
        return "the previous generation has a write-ahead log beside it", {}
    if os.path.samefile(previous, published):
        return "the previous generation is the published file itself", {}
    try:
        con = duckdb.connect(str(previous))  # read-write: fails while any reader holds the file
    except duckdb.Error as exc:  # a reader's lock, mostly ("Could not set lock on file ...")
        return "the previous generation cannot be opened for writing: " + str(exc).strip().splitlines()[0], {}
    try:
        # DuckDB names a file's database after its name up to the first dot: the alias must be
        # one no warehouse file is called
        con.execute(f"attach '{_quoted(published)}' as {PUBLISHED} (read_only)")
        mine, theirs = _model_state(con, current=True), _model_state(con, current=False)
        if mine is None or mine != theirs:
            return "the previous generation was built by other models or settings", {}
        _take_closes(con)
        earlier = {path: (digest, at) for path, digest, at in con.execute(
            f"select source_file, content_hash, loaded_at from {PUBLISHED}.raw._files where status <> 'not_loaded'"
        ).fetchall()} if has_table(con, "raw", "_files", PUBLISHED) else {}
        con.execute(f"detach {PUBLISHED}")
        con.execute("checkpoint")
        return None, earlier
    except duckdb.Error as exc:  # an unreadable or foreign file: the copy is always safe
        return "the previous generation could not be read: " + str(exc).strip().splitlines()[0], {}
    finally:
        con.close()


def _model_state(con: duckdb.DuckDBPyConnection, *, current: bool) -> str | None:
    database = con.execute("select current_database()").fetchone()[0] if current else PUBLISHED
    if not has_table(con, "raw", "_run_inputs", database):
        return None
    try:
        return con.execute(f'select model_state from "{database}".{RUN_INPUTS}').fetchone()[0]
    except duckdb.BinderException:  # recorded before revwh kept the model state
        return None


def _take_closes(con: duckdb.DuckDBPyConnection) -> None:
    """The `closed` schema is written by `revwh close`/`reopen`, not derived from landing files:
    the working file takes the published warehouse's (attached as PUBLISHED), whole: a few
    rows per closed month."""
    tables = [t for (t,) in con.execute(
        f"select table_name from duckdb_tables() where database_name = '{PUBLISHED}' and schema_name = 'closed'"
    ).fetchall()]
    con.execute("drop schema if exists closed cascade")
    ensure_closed_schema(con)
    made = {t for (t,) in con.execute(
        "select table_name from duckdb_tables() where database_name = current_database() and schema_name = 'closed'"
    ).fetchall()}
    for table in tables:
        source = f'{PUBLISHED}.closed."{table}"'
        if table in made:  # keep the tables' declared constraints
            con.execute(f'insert into closed."{table}" by name select * from {source}')
        else:
            con.execute(f'create table closed."{table}" as select * from {source}')


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
