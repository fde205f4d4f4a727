"""The persistent Dagster instance every run is recorded in: CLI runs, UI runs, the schedule.

Finance watches asset health in the Dagster UI, so `revwh run` and `revwh demo` record their runs
in the same instance `revwh ui` shows: `$DAGSTER_HOME` when set, else `.dagster_home/` in the
project. Its `dagster.yaml` (written when missing) keeps telemetry and Dagster's community
dialog off and lets the run queue start at most one run per warehouse at a time (runs carry the
tag `revwh/warehouse`), so runs launched from the UI, the schedule or the sensor never overlap;
CLI runs are kept apart from them by the warehouse lock (orchestration/run/warehouse_lock.py). It
also turns on Dagster's run monitoring; a run a crash left STARTED is marked failed by
orchestration/pipeline/crashed_runs.py.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.settings import REPO_ROOT

if TYPE_CHECKING:
    from dagster import DagsterInstance

WAREHOUSE_TAG = "revwh/warehouse"
AS_OF_TAG = "revwh/as_of"
LAUNCHED_BY_TAG = "revwh/launched_by"  # the schedule or the sensor (orchestration/pipeline/schedules.py)

DAGSTER_YAML = f"""\
# Written by revwh (orchestration/pipeline/instance.py) when missing; edit freely.
# Dagster's SQLite event log, reusing one engine per file (orchestration/pipeline/run_history.py).
event_log_storage:
  module: orchestration.pipeline.run_history
  class: RevwhSqliteEventLogStorage
  config:
    base_dir: "{{history}}"
telemetry:
  enabled: false
# no "Join the Dagster community" dialog over the first page finance opens
nux:
  enabled: false
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
# Dagster's daemon fails a launched run whose worker never started (5 min) and a cancel that never
# finished (5 min), so neither holds the run queue. Its default run launcher cannot tell whether a
# STARTED run's process is alive and `revwh run` has no run worker at all: revwh finds those
# itself (orchestration/pipeline/crashed_runs.py). No resuming: a resumed nightly run would redo half a build.
run_monitoring:
  enabled: true
  start_timeout_seconds: 300
  cancel_timeout_seconds: 300
  max_resume_run_attempts: 0
  poll_interval_seconds: 60
concurrency:
  runs:
    # One writer per warehouse: runs tagged with the same warehouse wait for each other.
    tag_concurrency_limits:
      - key: {WAREHOUSE_TAG}
        value:
          applyLimitPerUniqueValue: true
        limit: 1
"""


def dagster_home() -> Path:
    """$DAGSTER_HOME, else the project's .dagster_home/ (created, with its dagster.yaml)."""
    home = Path(os.environ.get("DAGSTER_HOME") or REPO_ROOT / ".dagster_home").expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        history = (home / "history" / "runs").as_posix().replace('"', '\\"')
        config.write_text(DAGSTER_YAML.format(history=history), encoding="utf-8")
    else:
        _follow_moved_storage(config)
    return home


# Where the event log storage lived before orchestration/ was split into packages (issue 28),
# spelled in two parts so the move script's rewriting leaves it alone.
_OLD_STORAGE_MODULE = "orchestration." + "run_history"


def _follow_moved_storage(config: Path) -> None:
    """A dagster.yaml revwh wrote before the move names the storage module's old place: point it
    at the new one, so an existing `$DAGSTER_HOME` keeps its run history."""
    text = config.read_text(encoding="utf-8")
    line = f"module: {_OLD_STORAGE_MODULE}\n"
    if line in text:
        config.write_text(text.replace(line, "module: orchestration.pipeline.run_history\n"), encoding="utf-8")


def persistent_instance() -> DagsterInstance:
    """The instance the UI shows (SQLite storage under dagster_home())."""
    from dagster import DagsterInstance

    relaxed_sqlite_sync()
    return DagsterInstance.from_config(str(dagster_home()))


_RELAXED_HOMES: set[str] = set()


def relaxed_sqlite_sync() -> None:
    """Commit the run history's SQLite files without an fsync per event.

    Dagster's SQLite storage opens a connection and commits once per event, and a run of the
    nightly job records about 1,250 of them (a materialization and a check evaluation per dbt
    model and test, each planned and then reported, most twice: the run's file and the asset
    index). With SQLite's default `synchronous=FULL` every commit waits for the disk: about 4 s of
    a 42 s run over the test landing (measured; docs/DECISIONS.md, Operations). Dagster keeps these files in
    WAL mode, where `synchronous=NORMAL` cannot corrupt the database; a power cut may lose the
    last events, never the warehouse (DuckDB's file is not touched by this). Dagster has no
    setting for it, so SQLAlchemy's documented `connect` event sets it, only on WAL files under
    dagster_home()."""
    first = not _RELAXED_HOMES
    _RELAXED_HOMES.add(str(dagster_home()))
    if not first:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _set_synchronous(dbapi_connection: object, _record: object) -> None:
        if not type(dbapi_connection).__module__.startswith("sqlite3"):
            return
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        try:
            files = [row[2] or "" for row in cursor.execute("pragma database_list").fetchall()]
            mine = any(f.startswith(home + os.sep) for f in files for home in _RELAXED_HOMES)
            if mine and cursor.execute("pragma journal_mode").fetchone()[0] == "wal":  # safe only in WAL
                cursor.execute("pragma synchronous=NORMAL")
        finally:
            cursor.close()
