"""How a finished run is shown in the Dagster UI: blocked or failed, and under the workspace's job.

Dagster has one "Failure" status for two different mornings: a gate or a dbt test refused the
data (finance fixes an export) and a system error (disk, permissions, a bug: someone technical
looks). Every failed nightly run gets the tag `revwh/outcome` = `blocked` or `failed`, which the
Runs list and the run page show beside the status:
- `revwh run` tags its own run when it ends (orchestration/run/runner.py);
- UI, schedule and sensor runs are tagged by the run-failure sensor `tag_blocked_or_failed`
  (the daemon calls it once per failed run of this code location).
A run a crash left unfinished is tagged `failed` when it is found (orchestration/pipeline/crashed_runs.py).

`revwh run` executes the job in-process, which Dagster records with no code-location origin:
such a run is in the Runs list but not in the Overview timeline nor on the job's own runs page,
which both look runs up by their repository. `workspace_job_origin` is the origin the UI's own
runs of the nightly job carry (workspace.yaml's code location); the run's settings resource gives
it to a CLI run as the run starts (orchestration/settings.py).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from dagster import (
    DagsterEventType,
    DagsterInstance,
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorDefinition,
    run_failure_sensor,
)
from dagster._core.storage.tags import REPOSITORY_LABEL_TAG

__all__ = ["BLOCKED", "FAILED", "OUTCOME_TAG", "REPOSITORY_LABEL_TAG", "build_outcome_sensor", "repository_label"]

OUTCOME_TAG = "revwh/outcome"
BLOCKED, FAILED = "blocked", "failed"
SENSOR_NAME = "tag_blocked_or_failed"
REPOSITORY_NAME = "__repository__"  # the one repository of a Definitions object
WORKSPACE = Path(__file__).resolve().parents[2] / "workspace.yaml"


def outcome_of(instance: DagsterInstance, run_id: str) -> str:
    """`blocked` when a blocking check (a landing gate, a dbt test) failed in the run, else `failed`."""
    from orchestration.run.failures import failed_checks

    entries = instance.all_logs(run_id, of_type={DagsterEventType.ASSET_CHECK_EVALUATION})
    events = [e.dagster_event for e in entries if e.dagster_event is not None]
    return BLOCKED if failed_checks(events) else FAILED


def build_outcome_sensor() -> SensorDefinition:
    """Tags each failed run of this code location `revwh/outcome`, running by default."""

    @run_failure_sensor(
        name=SENSOR_NAME,
        default_status=DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=10,
        description="Tags each failed run revwh/outcome=blocked (a gate or dbt test refused the data:"
        " fix the file) or revwh/outcome=failed (a system error: disk, permissions, a bug).",
    )
    def tag_blocked_or_failed(context: RunFailureSensorContext) -> None:
        run = context.dagster_run
        if OUTCOME_TAG in run.tags:  # `revwh run` or the crashed-run reaper tagged it already
            return
        context.instance.add_run_tags(run.run_id, {OUTCOME_TAG: outcome_of(context.instance, run.run_id)})

    return tag_blocked_or_failed


@cache
def workspace_job_origin(job_name: str) -> object:
    """The RemoteJobOrigin of `job_name` in workspace.yaml's (first) code location."""
    from dagster._core.remote_origin import RemoteJobOrigin, RemoteRepositoryOrigin
    from dagster._core.workspace.load import location_origins_from_yaml_paths

    location = location_origins_from_yaml_paths([str(WORKSPACE)])[0]
    return RemoteJobOrigin(RemoteRepositoryOrigin(location, REPOSITORY_NAME), job_name)


def repository_label() -> str:
    """The `.dagster/repository` tag value the UI filters a job's runs by (`repo@location`)."""
    from orchestration.settings import NIGHTLY_JOB

    return workspace_job_origin(NIGHTLY_JOB).repository_origin.get_label()


def give_workspace_origin(instance: DagsterInstance, run_id: str) -> None:
    """Record a run that has no code-location origin (an in-process CLI run) as a run of the
    workspace's job, so the Overview timeline and the job's runs page list it."""
    run = instance.get_run_by_id(run_id)
    if run is None or run.remote_job_origin is not None:
        return
    instance.run_storage.replace_job_origin(run, workspace_job_origin(run.job_name))
