"""Runs a crash left STARTED (kill -9, OOM killer, reboot) are marked failed, so the next run, the
landing sensor and the schedule go on, and the failure alert goes out (orchestration/pipeline/crashed_runs.py).

The runs are records in a real persistent instance (a temporary DAGSTER_HOME), owned by a process
this test started and killed with SIGKILL; the alert goes to an SMTP server on 127.0.0.1."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from dagster import (
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    Definitions,
    build_run_status_sensor_context,
    build_schedule_context,
    build_sensor_context,
)

from orchestration.pipeline import crashed_runs
from orchestration.pipeline.alerts import ALERT_SENT_TAG
from orchestration.pipeline.alerts import SENSOR_NAME as ALERT_SENSOR
from orchestration.pipeline.crashed_runs import HOST_TAG, PID_TAG, PROCESS_TAG, owner_tags, reap_crashed_runs
from orchestration.pipeline.definitions import NIGHTLY_JOB, build_definitions
from orchestration.pipeline.instance import WAREHOUSE_TAG
from orchestration.pipeline.run_lock import RunLock
from orchestration.pipeline.schedules import SCHEDULE_NAME
from orchestration.pipeline.sensors import SENSOR_NAME
from orchestration.settings import RevwhSettings
from tests.test_alerts import Collector


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DagsterInstance]:
    from orchestration.pipeline.instance import persistent_instance

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    for name in ("REVWH_SMTP_HOST", "REVWH_SCHEDULE_TIME", "REVWH_SCHEDULE_TIMEZONE", crashed_runs.GRACE_ENV):
        monkeypatch.delenv(name, raising=False)
    with persistent_instance() as inst:
        yield inst


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process that was running and was killed with SIGKILL (as the OOM killer does)."""
    proc = subprocess.Popen(["sleep", "60"])
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    return proc.pid


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Collector]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.delenv("REVWH_SMTP_USER", raising=False)
    monkeypatch.delenv("REVWH_UI_URL", raising=False)
    monkeypatch.setenv("REVWH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("REVWH_SMTP_PORT", str(port))
    monkeypatch.setenv("REVWH_ALERT_FROM", "revwh@agency.test")
    monkeypatch.setenv("REVWH_ALERT_TO", "billing@agency.test")
    try:
        yield collector
    finally:
        controller.stop()


def _started_run(instance: DagsterInstance, warehouse: Path, owner: dict[str, str] | None) -> str:
    """A nightly run recorded as STARTED on `warehouse`, as a run looks after its process died."""
    tags = {WAREHOUSE_TAG: str(warehouse), "revwh/as_of": "2026-11-22", "revwh/launched_by": "cli", **(owner or {})}
    run = instance.add_run(DagsterRun(job_name=NIGHTLY_JOB, status=DagsterRunStatus.STARTED, tags=tags))
    return run.run_id


def _owned_by(pid: int) -> dict[str, str]:
    return {PID_TAG: str(pid), HOST_TAG: socket.gethostname()}


def _status(instance: DagsterInstance, run_id: str) -> DagsterRunStatus:
    return instance.get_run_by_id(run_id).status


def _failure_message(instance: DagsterInstance, run_id: str) -> str:
    [entry] = instance.all_logs(run_id, of_type=DagsterEventType.RUN_FAILURE)
    return entry.dagster_event.message


def test_the_instance_turns_on_dagster_run_monitoring(instance: DagsterInstance) -> None:
    assert instance.run_monitoring_enabled
    assert instance.run_monitoring_start_timeout_seconds == 300
    assert instance.run_monitoring_max_resume_run_attempts == 0
    assert instance.run_monitoring_poll_interval_seconds == 60


def test_a_run_whose_process_was_killed_is_marked_failed(instance, dead_pid, tmp_path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    crashed = _started_run(instance, warehouse, _owned_by(dead_pid))
    alive = _started_run(instance, warehouse, owner_tags())  # this test's own process: running
    other = _started_run(instance, tmp_path / "other.duckdb", _owned_by(dead_pid))  # another warehouse

    assert reap_crashed_runs(instance, warehouse) == [crashed]
    assert _status(instance, crashed) == DagsterRunStatus.FAILURE
    message = _failure_message(instance, crashed)
    assert message.startswith(f"crashed: the process running it (pid {dead_pid}) is gone; marked failed by revwh at ")
    assert _status(instance, alive) == DagsterRunStatus.STARTED
    assert _status(instance, other) == DagsterRunStatus.STARTED
    assert reap_crashed_runs(instance, warehouse) == []  # once


def test_owner_tags_name_this_process() -> None:
    tags = owner_tags()
    assert tags[PID_TAG] == str(os.getpid()) and tags[HOST_TAG] == socket.gethostname()
    if Path("/proc/self/stat").exists():
        assert tags[PROCESS_TAG] == crashed_runs._process_token(os.getpid())


def test_a_reused_pid_is_not_the_owner(instance, tmp_path) -> None:
    """After a reboot the dead run's pid may belong to another process: its start time says so."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc")
    warehouse = tmp_path / "wh.duckdb"
    reused = _started_run(instance, warehouse, {**owner_tags(), PROCESS_TAG: "another-boot:12345"})
    assert reap_crashed_runs(instance, warehouse) == [reused]
    assert "is now another process" in _failure_message(instance, reused)


def test_not_while_another_process_holds_the_warehouse_lock(instance, dead_pid, tmp_path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    crashed = _started_run(instance, warehouse, _owned_by(dead_pid))
    code = ("import sys, time; from filelock import FileLock; lock = FileLock(sys.argv[1]); lock.acquire();"
            " print('held', flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", code, f"{warehouse}.lock"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert reap_crashed_runs(instance, warehouse) == []
        assert _status(instance, crashed) == DagsterRunStatus.STARTED
    finally:
        holder.kill()
        holder.wait()
    assert reap_crashed_runs(instance, warehouse) == [crashed]  # the OS freed the lock with its holder


def test_a_run_owned_by_another_host_is_left_alone(instance, dead_pid, tmp_path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    foreign = _started_run(instance, warehouse, {PID_TAG: str(dead_pid), HOST_TAG: "another-host.invalid"})
    assert reap_crashed_runs(instance, warehouse) == []
    assert _status(instance, foreign) == DagsterRunStatus.STARTED


def test_a_daemon_run_without_owner_after_the_grace_period(instance, tmp_path, monkeypatch) -> None:
    """A UI/schedule run whose worker died before it recorded its pid: silent past the grace period."""
    warehouse = tmp_path / "wh.duckdb"
    quiet = _started_run(instance, warehouse, None)
    assert reap_crashed_runs(instance, warehouse) == []  # just started: 120 s by default
    monkeypatch.setenv(crashed_runs.GRACE_ENV, "0")
    time.sleep(0.05)
    assert reap_crashed_runs(instance, warehouse) == [quiet]
    message = _failure_message(instance, quiet)
    assert message.startswith("crashed: the process running it is gone (no pid recorded; the warehouse lock is free")
    monkeypatch.setenv(crashed_runs.GRACE_ENV, "soon")
    with pytest.raises(ValueError, match="REVWH_CRASH_GRACE_SECONDS must be a number"):
        reap_crashed_runs(instance, warehouse)


def _resources(defs: Definitions) -> dict[str, object]:
    return {"settings": defs.get_repository_def().get_top_level_resources()["settings"]}


def _sensor_tick(defs: Definitions, instance: DagsterInstance):
    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    with build_sensor_context(instance=instance, cursor=None, resources=_resources(defs)) as ctx:
        return sensor.evaluate_tick(ctx)


def _site(tmp_path: Path) -> tuple[Definitions, RevwhSettings]:
    settings = RevwhSettings(landing_dir=str(tmp_path / "landing"), warehouse_path=str(tmp_path / "wh.duckdb"))
    drop = settings.landing() / "contracting" / "clients.csv"
    drop.parent.mkdir(parents=True)
    drop.write_text("client_id,client_name\nC1,Alpha\n", encoding="utf-8")
    past = time.time() - 300  # a finished drop, past the sensor's 30 s wait
    os.utime(drop, (past, past))
    return build_definitions(settings), settings


def test_the_landing_sensor_no_longer_waits_for_a_crashed_run(instance, dead_pid, tmp_path) -> None:
    defs, settings = _site(tmp_path)
    alive = _started_run(instance, settings.published(), owner_tags())
    waiting = _sensor_tick(defs, instance)
    assert waiting.run_requests == [] and f"run {alive} on this warehouse is not finished" in waiting.skip_message
    instance.report_run_failed(instance.get_run_by_id(alive), message="ended")  # it ends normally

    crashed = _started_run(instance, settings.published(), _owned_by(dead_pid))
    data = _sensor_tick(defs, instance)
    assert _status(instance, crashed) == DagsterRunStatus.FAILURE
    assert not data.skip_message and len(data.run_requests) == 1  # the drop's run goes


def test_the_nightly_schedule_marks_a_crashed_run_failed(instance, dead_pid, tmp_path) -> None:
    defs, settings = _site(tmp_path)
    crashed = _started_run(instance, settings.published(), _owned_by(dead_pid))
    schedule = defs.resolve_schedule_def(SCHEDULE_NAME)
    when = datetime(2026, 11, 23, 6, 0, tzinfo=ZoneInfo("America/Toronto"))
    with build_schedule_context(instance=instance, scheduled_execution_time=when, resources=_resources(defs)) as ctx:
        [request] = schedule.evaluate_tick(ctx).run_requests
    assert request.tags["revwh/as_of"] == "2026-11-22"
    assert _status(instance, crashed) == DagsterRunStatus.FAILURE


def test_a_reaped_run_sends_one_alert(instance, dead_pid, tmp_path, smtp_server: Collector) -> None:
    warehouse = tmp_path / "wh.duckdb"
    crashed = _started_run(instance, warehouse, _owned_by(dead_pid))
    assert reap_crashed_runs(instance, warehouse) == [crashed]

    [(_sender, recipients, message)] = smtp_server.received
    assert recipients == ["billing@agency.test"]
    assert message["Subject"].startswith(
        f"[revwh] {NIGHTLY_JOB} failed (as of 2026-11-22): crashed: the process running it (pid {dead_pid}) is gone"
    )
    body = message.get_content()
    assert f"Run:      {crashed}" in body and f"Warehouse: {warehouse}" in body
    assert "The published warehouse was not changed" in body

    # The daemon's run-failure sensor sees the same failure: it does not send a second mail.
    run = instance.get_run_by_id(crashed)
    assert run.tags[ALERT_SENT_TAG]
    assert run.tags["revwh/outcome"] == "failed"  # the Runs list: a crash, not a data problem
    defs = build_definitions(RevwhSettings(landing_dir=str(tmp_path)))
    [failure] = instance.all_logs(crashed, of_type=DagsterEventType.RUN_FAILURE)
    context = build_run_status_sensor_context(
        sensor_name=ALERT_SENSOR, dagster_event=failure.dagster_event, dagster_instance=instance, dagster_run=run
    )
    defs.resolve_sensor_def(ALERT_SENSOR)(context)
    assert len(smtp_server.received) == 1


def test_revwh_run_marks_a_crashed_run_failed_before_its_own(instance, dead_pid, tmp_path, monkeypatch, capsys) -> None:
    """`run_pipeline` (revwh run) reaps holding the lock, then runs with its own pid as a tag."""
    from orchestration.run import runner

    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    landing.mkdir()
    crashed = _started_run(instance, warehouse.resolve(), _owned_by(dead_pid))
    seen = {}

    class Result:  # what execute_in_process returns, for a run that published nothing
        success, all_events, run_id = True, [], "fake"

    def fake_execute(job, inst, tags, settings):
        seen["status"], seen["tags"] = _status(inst, crashed), tags
        return Result()

    monkeypatch.setattr(runner, "_execute_job", fake_execute)
    assert runner.run_pipeline(landing, warehouse, "2026-11-22").success
    assert seen["status"] == DagsterRunStatus.FAILURE  # before the new run started
    assert seen["tags"][PID_TAG] == str(os.getpid()) and seen["tags"][HOST_TAG] == socket.gethostname()
    assert f"run {crashed} on this warehouse had crashed" in capsys.readouterr().err


def test_a_daemon_run_worker_records_itself_as_owner(instance, tmp_path) -> None:
    """A UI, schedule or sensor run gets its worker's pid when the run lock resource takes the lock."""
    from types import SimpleNamespace

    settings = RevwhSettings(landing_dir=str(tmp_path / "landing"), warehouse_path=str(tmp_path / "wh.duckdb"))
    run_id = _started_run(instance, settings.published(), None)
    context = SimpleNamespace(dagster_run=instance.get_run_by_id(run_id), instance=instance)
    run_lock = RunLock(settings=settings)
    run_lock.setup_for_execution(context)
    try:
        assert {k: instance.get_run_by_id(run_id).tags.get(k) for k in (PID_TAG, HOST_TAG)} == {
            PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
    finally:
        run_lock.teardown_after_execution(context)
