"""The programmatic run API: execute the nightly job and say, in a few lines, how it ended.

`revwh run`, `revwh demo` and the tests call `run_pipeline`; it executes the very job the UI and
the schedule run (orchestration/pipeline/definitions.py), in-process, recorded in the persistent Dagster
instance (orchestration/pipeline/instance.py) so that every CLI run shows in the UI. The warehouse lock
is held for the whole run. The outcome separates a *blocked* run (a gate or a dbt test said no:
the data must be fixed) from a *failed* one (a system error: disk, permissions, a bug), and says
why in lines a person can act on.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.engines.targets import engine_for
from orchestration.pipeline.instance import AS_OF_TAG, WAREHOUSE_TAG
from orchestration.run.failures import dbt_failures, failed_checks, step_failures


@dataclass
class RunOutcome:
    """How a run ended: success, or blocked (a check said no) or failed (an error), with reasons."""

    success: bool
    failures: list[str] = field(default_factory=list)
    blocked: bool = False
    run_id: str | None = None
    interrupted: bool = False
    published: bool = False  # the warehouse was replaced (on a failure: before a later step failed)
    unchanged: bool = False  # nothing new since the published warehouse: nothing rebuilt (run_inputs.py)
    # an unchanged run found T's reports missing (a crash or full disk after the last publish) and
    # wrote them: T, how many files, where
    reports_written: str | None = None
    reports_count: int = 0
    reports_dir: str | None = None


def run_pipeline(
    landing: Path, warehouse: Path, as_of: str, *, lock_wait_seconds: float = 0.0, **rule_settings: object
) -> RunOutcome:
    """Execute the nightly job in-process; on failure the published warehouse is untouched.

    Raises WarehouseBusy (orchestration.run.warehouse_lock) when another run holds the warehouse,
    WarehouseUnreadable (orchestration.run.restore) when the warehouse file exists but DuckDB cannot
    open it, and PostgresUnavailable (orchestration.engines.postgres.connection) when `--target postgres` cannot
    reach the server.

    A run with nothing new skips the report step; when the published warehouse's T then has
    report files missing (the last run published and died before writing them), they are written
    here, from the published warehouse, still under the lock."""
    os.environ["REVWH_PROGRESS"] = os.environ.get("REVWH_PROGRESS", "1")
    warnings.filterwarnings("ignore")
    from orchestration.pipeline.crashed_runs import owner_tags, reap_crashed_runs
    from orchestration.pipeline.definitions import build_definitions
    from orchestration.pipeline.instance import persistent_instance
    from orchestration.pipeline.run_outcome import BLOCKED, FAILED, OUTCOME_TAG, REPOSITORY_LABEL_TAG, repository_label
    from orchestration.run.restore import check_readable
    from orchestration.run.warehouse_lock import warehouse_lock
    from orchestration.settings import NIGHTLY_JOB, RevwhSettings, invoice_settings_from_env

    settings = RevwhSettings(
        landing_dir=str(landing),
        warehouse_path=str(warehouse),
        as_of=as_of,
        lock_wait_seconds=lock_wait_seconds,
        **(invoice_settings_from_env() | rule_settings),
    )
    job = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
    # The owner's pid and host: a run this process leaves unfinished (kill -9, OOM, reboot) is
    # found by the next run, sensor or schedule and marked failed (orchestration/pipeline/crashed_runs.py).
    # The repository label: the job's runs page in the UI lists runs by it (orchestration/pipeline/run_outcome.py).
    tags = {AS_OF_TAG: settings.as_of_date().isoformat(), WAREHOUSE_TAG: str(settings.published()),
            "revwh/launched_by": "cli", REPOSITORY_LABEL_TAG: repository_label(), **owner_tags()}
    # dagster-dbt echoes dbt's log to stdout; keep it for the error report instead.
    captured = io.StringIO()
    with (
        warehouse_lock(settings.published(), lock_wait_seconds),
        _engine_lock(settings, lock_wait_seconds),
        persistent_instance() as instance,
    ):
        for run_id in reap_crashed_runs(instance, settings.published()):
            print(f"revwh: run {run_id} on this warehouse had crashed (its process is gone); marked it failed",
                  file=sys.stderr)
        check_readable(settings.published())  # a damaged file: one line naming `revwh restore`
        with contextlib.redirect_stdout(captured), _child_stderr_aside():
            result = _execute_job(job, instance, tags, settings)
        published = any(
            e.is_step_materialization and e.asset_key is not None
            and e.asset_key.to_user_string() == "published_warehouse"
            for e in result.all_events
        )
        if result.success and not published:
            return _write_missing_reports(settings, instance, result.run_id)
        if result.success:
            return RunOutcome(True, run_id=result.run_id, published=published, unchanged=not published)
        outcome = _failed_outcome(result, captured.getvalue(), settings.building().parent, published)
        # the Runs list in the UI shows blocked (fix the data) apart from failed (orchestration/pipeline/run_outcome.py)
        instance.add_run_tags(result.run_id, {OUTCOME_TAG: BLOCKED if outcome.blocked else FAILED})
    return outcome


def _failed_outcome(result: object, dbt_log: str, warehouse_dir: Path, published: bool) -> RunOutcome:
    checks = failed_checks(result.all_events)
    dbt = dbt_failures(dbt_log, warehouse_dir)
    if any(_interrupted(event) for event in result.all_events):
        return RunOutcome(False, ["interrupted"], run_id=result.run_id, interrupted=True, published=published)
    steps = [] if checks or dbt else step_failures(result.all_events, warehouse_dir)
    blocked = bool(checks) or any("Failure in test" in line for line in dbt)  # the data said no
    return RunOutcome(False, checks + dbt + steps, blocked=blocked, run_id=result.run_id, published=published)


def _write_missing_reports(settings: object, instance: object, run_id: str) -> RunOutcome:
    """After a run with nothing new: write T's reports if any of them is missing (the run that
    published the warehouse ended before its report step finished). Recorded in the Dagster
    instance as a materialization of `billing_reports`, as the report step would have been."""
    import duckdb
    from dagster import AssetKey, AssetMaterialization, MetadataValue

    from orchestration.pipeline.report_assets import report_source
    from orchestration.reports.marts_reader import ReportError, source_name
    from orchestration.reports.missing import missing_reports
    from orchestration.reports.workbook import reports_dir, write_reports
    from orchestration.run import progress

    if engine_for(settings.target, settings.published()).marts_in_file and not settings.published().exists():
        return RunOutcome(True, run_id=run_id, unchanged=True)  # nothing published: no reports to owe
    out_dir = reports_dir(settings.published())
    source = report_source(settings)
    try:
        as_of, missing = missing_reports(source, out_dir)
        if not missing:
            return RunOutcome(True, run_id=run_id, unchanged=True)
        progress.report(f"reports for {as_of} are missing ({len(missing)} file(s)): writing them to {out_dir}")
        paths = write_reports(source, out_dir)
    except (ReportError, OSError, duckdb.Error) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        if isinstance(exc, OSError):
            reason = f"cannot write the reports to {out_dir}: {exc.strerror or exc}"
        return RunOutcome(False, [f"step billing_reports failed: {reason}"], run_id=run_id, unchanged=True)
    instance.report_runless_asset_event(AssetMaterialization(
        asset_key=AssetKey(["billing_reports"]),
        description=f"reports for {as_of} were missing after run {run_id} (nothing changed): written",
        metadata={"files": MetadataValue.json([str(p) for p in paths]), "out_dir": MetadataValue.path(str(out_dir)),
                  "warehouse": source_name(source), "run_id": run_id},
    ))
    return RunOutcome(True, run_id=run_id, unchanged=True, reports_written=as_of.isoformat(),
                      reports_count=len(paths), reports_dir=str(out_dir))


def _execute_job(job: object, instance: object, tags: dict[str, str], settings: object) -> object:
    try:
        return job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            tags=tags,
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
    finally:
        if not _published_by(settings):
            _remove_working_copy(settings)


@contextlib.contextmanager
def _engine_lock(settings: object, wait_s: float) -> Iterator[None]:
    """The engine's own writer lock beside the warehouse file's (PostgreSQL: the server's advisory
    lock, orchestration/engines/postgres/lock.py, one writer per database)."""
    with engine_for(settings.target, settings.published()).writer_lock(wait_s):
        yield


@contextlib.contextmanager
def _child_stderr_aside() -> Iterator[None]:
    """Keep what child processes (dbt, Dagster's helpers) write to stderr out of the terminal.

    They inherit file descriptor 2; on Ctrl-C each prints a KeyboardInterrupt traceback. For the
    run, fd 2 points at a scratch file and progress lines go to the real stderr through a
    duplicate of it; dbt's own failures are read from its captured log instead."""
    from orchestration.run import progress

    sys.stderr.flush()
    saved = os.dup(2)
    real = os.fdopen(os.dup(saved), "w", buffering=1, encoding="utf-8", errors="replace")
    with tempfile.TemporaryFile() as scratch:
        os.dup2(scratch.fileno(), 2)
        progress.use_stream(real)
        try:
            yield
        finally:
            progress.use_stream(None)
            os.dup2(saved, 2)
            os.close(saved)
            real.close()


def _interrupted(event: object) -> bool:
    """A step ended by Ctrl-C: Dagster turns the interrupt into DagsterExecutionInterruptedError."""
    data = getattr(event, "step_failure_data", None) if getattr(event, "is_step_failure", False) else None
    err = data.error if data is not None else None
    while err is not None:
        if "DagsterExecutionInterruptedError" in (err.cls_name or "") + err.message:
            return True
        err = err.cause
    return False


def _published_by(settings: object) -> bool:
    return not settings.building().exists()  # publish moves the working copy onto the warehouse


def _remove_working_copy(settings: object) -> None:
    """A run that did not publish leaves no half-built file behind."""
    building = settings.building()
    for stale in (building, building.with_name(building.name + ".wal")):
        stale.unlink(missing_ok=True)
