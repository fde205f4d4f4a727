"""The persistent Dagster instance every run is recorded in: CLI runs, UI runs, the schedule.

Finance watches asset health in the Dagster UI, so `revwh run` and `revwh demo` record their runs
in the same instance `revwh ui` shows: `$DAGSTER_HOME` when set, else `.dagster_home/` in the
project. Its `dagster.yaml` (written when missing) keeps telemetry off and lets the run queue
start at most one run per warehouse at a time (runs carry the tag `revwh/warehouse`), so runs
launched from the UI, the schedule or the sensor never overlap; CLI runs are kept apart from
them by the warehouse lock (orchestration/warehouse_lock.py).
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

DAGSTER_YAML = f"""\
# Written by revwh (orchestration/instance.py) when missing; edit freely.
telemetry:
  enabled: false
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
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
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return home


def persistent_instance() -> DagsterInstance:
    """The instance the UI shows (SQLite storage under dagster_home())."""
    from dagster import DagsterInstance

    return DagsterInstance.from_config(str(dagster_home()))
