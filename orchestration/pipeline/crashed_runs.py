"""Runs a crash left unfinished: found, marked failed, alerted, so the next run of the warehouse goes.

A run ended by `kill -9`, the OOM killer or a reboot never records its end: it stays STARTED in
the Dagster instance, the run queue's one-run-per-warehouse limit (orchestration/pipeline/instance.py)
counts it for ever, every later UI, schedule and sensor run of that warehouse stays QUEUED, the
landing sensor keeps skipping, and no alert goes out because nothing failed.

Dagster's run monitoring (enabled in the dagster.yaml instance.py writes) fails a launched run
that never started and a cancel that never finished, but with the default run launcher it cannot
tell whether a STARTED run's process is alive, and `revwh run` executes in-process, with no run
worker the daemon could check. So every run that writes a warehouse records its owner as tags
(`owner_tags`: pid, host, and the process's boot id and start time, so a pid reused after a reboot
is not taken for the owner): `revwh run` when it creates the run, a UI/schedule/sensor run's
worker when the run lock resource (run_lock.py) takes the warehouse lock.

`reap_crashed_runs` marks a run of the warehouse failed when it is STARTED, STARTING,
NOT_STARTED or CANCELING and
- it has an owner on this host and that process is gone (or the pid is now another process), or
- it has no owner yet (a daemon run before its worker took the lock) and it has recorded nothing
  for the grace period (REVWH_CRASH_GRACE_SECONDS, default 120 s),
and in both cases only while the warehouse lock is free: a live run holds that lock for its whole
length (orchestration/run/warehouse_lock.py; the OS releases it when the process dies). A run owned by
another host is never judged here (its pid means nothing on this one). QUEUED runs are waiting,
not running: never touched.

Called by `run_pipeline` (holding the lock, before it starts its own run), by the landing sensor
on every tick and by the nightly schedule, before they decide. Each reaped run gets the failure
alert of orchestration/pipeline/alerts.py when REVWH_SMTP_HOST is set (and the tag ALERT_SENT_TAG, so the
daemon's run-failure sensor does not send a second one).
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime
from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from orchestration.pipeline.instance import WAREHOUSE_TAG

PID_TAG = "revwh/pid"
HOST_TAG = "revwh/host"
PROCESS_TAG = "revwh/process"  # "<boot id>:<start time in clock ticks>" of the pid, on Linux
GRACE_ENV = "REVWH_CRASH_GRACE_SECONDS"
DEFAULT_GRACE_SECONDS = 120.0
UNFINISHED = [
    DagsterRunStatus.STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.CANCELING,
]

log = logging.getLogger(__name__)


def _process_token(pid: int) -> str | None:
    """Boot id and start time of `pid` (Linux /proc); None where /proc does not say."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return f"{boot}:{stat.rsplit(')', 1)[1].split()[19]}"  # field 22, after the command name
    except (OSError, IndexError):
        return None


def owner_tags() -> dict[str, str]:
    """Tags naming this process as the run's owner."""
    tags = {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
    token = _process_token(os.getpid())
    if token:
        tags[PROCESS_TAG] = token
    return tags


def _pid_gone(pid: int, token: str | None) -> str | None:
    """Why the owner `pid` is gone, or None while it runs (or may: another user's process)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return f"the process running it (pid {pid}) is gone"
    except PermissionError:
        pass  # exists, another user's
    if token and _process_token(pid) not in (None, token):
        return f"the process running it (pid {pid}) is gone (pid {pid} is now another process)"
    return None


def grace_seconds() -> float:
    text = os.environ.get(GRACE_ENV, "").strip()
    try:
        return float(text) if text else DEFAULT_GRACE_SECONDS
    except ValueError:
        raise ValueError(f"{GRACE_ENV} must be a number of seconds, got {text!r}") from None


def _last_activity(instance: DagsterInstance, record: object) -> float:
    """Epoch seconds of the run's last sign of life: its newest event, or the record's update."""
    run_id = record.dagster_run.run_id
    times = [record.create_timestamp.timestamp(), record.update_timestamp.timestamp(), record.start_time or 0.0]
    latest = instance.event_log_storage.get_logs_for_run(run_id, limit=1, ascending=False)
    times += [entry.timestamp for entry in latest]
    return max(times)


def _crash_reason(instance: DagsterInstance, record: object, grace: float, now: float) -> str | None:
    """Why this unfinished run is taken for crashed (the lock aside), or None."""
    tags = record.dagster_run.tags
    pid = tags.get(PID_TAG, "")
    if pid.isdigit():
        if tags.get(HOST_TAG) != socket.gethostname():
            return None  # owned by another machine: its pid means nothing here
        return _pid_gone(int(pid), tags.get(PROCESS_TAG))
    quiet = now - _last_activity(instance, record)
    if quiet < grace:
        return None
    return (f"the process running it is gone (no pid recorded; the warehouse lock is free and the run has"
            f" recorded nothing for {quiet:.0f} s)")


def reap_crashed_runs(instance: DagsterInstance, warehouse: Path | str, *, grace: float | None = None) -> list[str]:
    """Mark failed the runs of `warehouse` a crash left unfinished; their run ids (module docstring).

    `warehouse` is the published warehouse as runs tag it (RevwhSettings.published())."""
    from orchestration.run.warehouse_lock import is_free

    grace = grace_seconds() if grace is None else grace
    now = datetime.now().timestamp()
    records = instance.get_run_records(RunsFilter(statuses=UNFINISHED, tags={WAREHOUSE_TAG: str(warehouse)}))
    crashed = [(record, reason) for record in records
               if (reason := _crash_reason(instance, record, grace, now)) is not None]
    if not crashed or not is_free(Path(warehouse)):
        return []
    reaped = []
    for record, reason in crashed:
        run = instance.get_run_by_id(record.dagster_run.run_id)
        if run is None or run.status not in UNFINISHED:
            continue  # it ended meanwhile
        stamp = datetime.now().astimezone().isoformat(timespec="seconds")
        message = f"crashed: {reason}; marked failed by revwh at {stamp}"
        _mark_failed(instance, run, message)
        reaped.append(run.run_id)
    return reaped


def _mark_failed(instance: DagsterInstance, run: object, message: str) -> None:
    """Fail the run in the instance and send its alert (when SMTP is configured)."""
    from orchestration.pipeline.alerts import ALERT_SENT_TAG, SmtpSettings, failure_message, send_email
    from orchestration.pipeline.run_outcome import FAILED, OUTCOME_TAG

    smtp = SmtpSettings.from_env()
    # before the failure event: the daemon's failure sensors must see them (a crash is no data problem)
    tags = {OUTCOME_TAG: FAILED, **({ALERT_SENT_TAG: "revwh crash check"} if smtp is not None else {})}
    instance.add_run_tags(run.run_id, tags)
    run = instance.get_run_by_id(run.run_id)
    instance.report_run_failed(run, message=message)
    log.warning("run %s: %s", run.run_id, message)
    if smtp is None:
        return
    try:
        send_email(smtp, failure_message(smtp, instance, instance.get_run_by_id(run.run_id), message))
    except Exception as exc:  # the run is failed already; a mail server down must not stop the next run
        log.error("run %s: could not send the failure alert: %s", run.run_id, exc)
