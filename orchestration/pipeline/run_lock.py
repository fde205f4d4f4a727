"""The nightly job's writer lock, as a Dagster resource of its own (settings only hold settings).

A run of the nightly job holds the warehouse's lock (orchestration/run/warehouse_lock.py) from
its first step to its last, and the engine's own writer lock too (Engine.writer_lock; on
`--target postgres` the database's advisory lock, orchestration/engines/postgres/lock.py): one
writer, always. Only that job: the backfill job's pulls write the landing directory, not the
warehouse, and run in parallel. A CLI run already
holds the locks; taking them again in the same process is re-entrant. Every asset of the nightly
job asks for this resource, so Dagster sets it up for any selection of that job.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from orchestration.engines.targets import engine_for
from orchestration.settings import NIGHTLY_JOB, RevwhSettings


class RunLock(ConfigurableResource):
    """Takes the writer locks when a nightly run starts, gives them back when it ends."""

    settings: RevwhSettings

    _lock: Any = PrivateAttr(default=None)
    _engine_lock: Any = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        run = getattr(context, "dagster_run", None)
        if run is None or run.job_name != NIGHTLY_JOB:
            return
        from orchestration.run.warehouse_lock import acquire, release

        instance = getattr(context, "instance", None)
        if instance is not None and run.remote_job_origin is None:  # `revwh run`: in-process, no origin
            from orchestration.pipeline.run_outcome import give_workspace_origin

            give_workspace_origin(instance, run.run_id)  # listed under the job in the UI (run_outcome.py)
        if instance is not None and "revwh/pid" not in run.tags:  # a UI, schedule or sensor run's worker
            from orchestration.pipeline.crashed_runs import owner_tags

            instance.add_run_tags(run.run_id, owner_tags())  # a crash of it is found (crashed_runs.py)
        self._lock = acquire(self.settings.published(), self.settings.lock_wait_seconds)
        engine = engine_for(self.settings.target, self.settings.published())
        engine_lock = ExitStack()  # the engine's own writer lock too (PostgreSQL: one per database)
        try:
            engine_lock.enter_context(engine.writer_lock(self.settings.lock_wait_seconds))
        except Exception:
            release(self._lock)
            self._lock = None
            raise
        self._engine_lock = engine_lock

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._engine_lock is not None:
            self._engine_lock.close()
            self._engine_lock = None
        if self._lock is not None:
            from orchestration.run.warehouse_lock import release

            release(self._lock)
            self._lock = None
