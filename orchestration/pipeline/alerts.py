"""Run-failure alert by email: a failed or blocked run tells the billing team why, in a few lines.

Built on Dagster's run-failure sensor machinery (`@run_failure_sensor`: the daemon calls it once
per failed run of this code location and keeps its own cursor). Not
`make_email_on_run_failure_sensor`: that one always logs in and always uses TLS (no local relay),
and sends HTML built by string formatting (a `<` in a reason would garble the message). Here the
message is plain text built with `email.message.EmailMessage`.

The reason lines come from the run's events with the same functions `revwh run` prints them with
(orchestration/run/failures.py), so the mail says what the terminal
would, e.g. `check raw/contracts landing_gate failed: contracting/contracts.csv: missing column(s)
end_date (...)`.

A run a crash left unfinished is marked failed and mailed by orchestration/pipeline/crashed_runs.py with
the same message; it tags the run ALERT_SENT_TAG first, and this sensor skips such runs.

Configuration (environment of the code location): REVWH_SMTP_HOST (no host: no sensor, nothing
else changes), REVWH_SMTP_PORT (default 25, or 587 with a user; 465 means implicit TLS),
REVWH_ALERT_FROM, REVWH_ALERT_TO (comma-separated), REVWH_SMTP_USER and REVWH_SMTP_PASSWORD
(optional: with a user the connection is upgraded with STARTTLS before logging in; without one it
is plain SMTP, so a local relay works). The password is never logged nor put in a message; values
of secret-looking environment variables are masked in the message in case an error quoted one.
"""

import os
import re
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorDefinition,
    run_failure_sensor,
)
from dagster._core.storage.tags import SCHEDULE_NAME_TAG, SENSOR_NAME_TAG

from orchestration.pipeline.instance import AS_OF_TAG, LAUNCHED_BY_TAG, WAREHOUSE_TAG
from orchestration.run.failures import failed_checks, step_failures
from orchestration.settings import NIGHTLY_JOB

SENSOR_NAME = "email_on_run_failure"
ALERT_SENT_TAG = "revwh/alert_sent_by"  # the alert went out already (orchestration/pipeline/crashed_runs.py)
PUBLISHED_KEY = AssetKey(["published_warehouse"])
_SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|CREDENTIAL|API_KEY", re.IGNORECASE)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send alerts; `password` is kept out of repr so it never reaches a log."""

    host: str
    port: str = ""
    sender: str = "revwh@localhost"
    recipients: tuple[str, ...] = ()
    user: str = ""
    password: str = field(default="", repr=False)
    ui_url: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "SmtpSettings | None":
        """None when REVWH_SMTP_HOST is not set. Never raises: a bad port or no recipients fails the
        sensor's tick with a message (visible in the UI), not the whole code location."""
        host = environ.get("REVWH_SMTP_HOST", "").strip()
        if not host:
            return None
        return cls(
            host=host,
            port=environ.get("REVWH_SMTP_PORT", "").strip(),
            sender=environ.get("REVWH_ALERT_FROM", "").strip() or "revwh@localhost",
            recipients=tuple(a.strip() for a in environ.get("REVWH_ALERT_TO", "").split(",") if a.strip()),
            user=environ.get("REVWH_SMTP_USER", "").strip(),
            password=environ.get("REVWH_SMTP_PASSWORD", ""),
            ui_url=environ.get("REVWH_UI_URL", "").strip().rstrip("/"),
        )

    def port_number(self) -> int:
        if not self.port:
            return 587 if self.user else 25
        if not self.port.isdigit():
            raise ValueError(f"REVWH_SMTP_PORT must be a port number, got {self.port!r}")
        return int(self.port)


def send_email(smtp: SmtpSettings, message: EmailMessage) -> None:
    """Send through `smtp`: plain SMTP without a user; STARTTLS (or TLS on 465) and login with one."""
    if not smtp.recipients:
        raise ValueError("REVWH_ALERT_TO is not set: no one to send the run-failure alert to")
    port = smtp.port_number()
    if port == 465:
        with smtplib.SMTP_SSL(smtp.host, port, timeout=30, context=ssl.create_default_context()) as server:
            if smtp.user:
                server.login(smtp.user, smtp.password)
            server.send_message(message, smtp.sender, list(smtp.recipients))
        return
    with smtplib.SMTP(smtp.host, port, timeout=30) as server:
        if smtp.user:  # never send a password in clear: no STARTTLS support is an error
            server.starttls(context=ssl.create_default_context())
            server.login(smtp.user, smtp.password)
        server.send_message(message, smtp.sender, list(smtp.recipients))


def failure_reasons(instance: DagsterInstance, run_id: str) -> list[str]:
    """What `revwh run` would print: the failed blocking checks, else the failed steps."""
    entries = instance.all_logs(run_id, of_type={DagsterEventType.ASSET_CHECK_EVALUATION,
                                                 DagsterEventType.STEP_FAILURE})
    events = [e.dagster_event for e in entries if e.dagster_event is not None]
    return failed_checks(events) or step_failures(events)


def _published(instance: DagsterInstance, run_id: str) -> bool:
    entries = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
    return any(e.dagster_event is not None and e.dagster_event.asset_key == PUBLISHED_KEY for e in entries)


def _launched_by(run: DagsterRun) -> str:
    if run.tags.get(SCHEDULE_NAME_TAG):
        return f"schedule {run.tags[SCHEDULE_NAME_TAG]}"
    if run.tags.get(SENSOR_NAME_TAG):
        return f"sensor {run.tags[SENSOR_NAME_TAG]}"
    return run.tags.get(LAUNCHED_BY_TAG, "the UI")


def _redact(text: str, secrets: Sequence[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def secret_values(smtp: SmtpSettings, environ: Mapping[str, str] = os.environ) -> list[str]:
    """The SMTP password and the value of every secret-looking environment variable (6+ chars)."""
    values = [v for k, v in environ.items() if _SECRET_NAME.search(k) and len(v) >= 6]
    return [v for v in [smtp.password, *values] if v]


def failure_message(smtp: SmtpSettings, instance: DagsterInstance, run: DagsterRun, run_error: str) -> EmailMessage:
    """The alert for one failed run: subject with the job, T and the first reason; body with all."""
    reasons = failure_reasons(instance, run.run_id)
    blocked = any(line.startswith("check ") for line in reasons)
    as_of = run.tags.get(AS_OF_TAG, "")
    lines = [f"revwh: the {run.job_name} run {'was blocked' if blocked else 'failed'}."]
    if run.job_name == NIGHTLY_JOB:
        lines.append("The warehouse was published before the failure." if _published(instance, run.run_id)
                     else "The published warehouse was not changed; it stays as the last good run left it.")
    lines += ["", "Why:"]
    lines += [f"  {line}" for line in reasons[:10]] or [f"  {run_error.strip() or 'no reason recorded'}"]
    lines += ["", f"Run:      {run.run_id}", f"Job:      {run.job_name}"]
    if as_of:
        lines.append(f"As of:    {as_of}")
    if run.tags.get(WAREHOUSE_TAG):
        lines.append(f"Warehouse: {run.tags[WAREHOUSE_TAG]}")
    lines.append(f"Started by: {_launched_by(run)}")
    if smtp.ui_url:
        lines.append(f"In the Dagster UI: {smtp.ui_url}/runs/{run.run_id}")
    lines += [""]
    if blocked:
        lines.append("What to do: the check line names the file and the problem. Fix the export (or remove the"
                     " file from the landing directory); the file-drop sensor then starts a new run, or run"
                     " `revwh run` again. See README: 'When a row or file is refused, or a run is blocked'.")
    else:
        lines.append("What to do: open the run in the Dagster UI (`revwh ui`) for the full log.")
    first = (reasons or [run_error.strip() or "failed"])[0]
    subject = f"[revwh] {run.job_name} {'blocked' if blocked else 'failed'}" + (f" (as of {as_of})" if as_of else "")
    subject = f"{subject}: {first}"
    secrets = secret_values(smtp)
    message = EmailMessage()
    message["Subject"] = _redact(" ".join(subject.split()), secrets)[:200]  # one line: no header injection
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.recipients)
    message["Message-ID"] = make_msgid(domain="revwh")
    message.set_content(_redact("\n".join(lines), secrets) + "\n")
    return message


def build_failure_email_sensor(smtp: SmtpSettings) -> SensorDefinition:
    """One email per failed run of any job of this code location, running by default."""

    @run_failure_sensor(
        name=SENSOR_NAME,
        default_status=DefaultSensorStatus.RUNNING,
        description=f"Emails {', '.join(smtp.recipients) or '(REVWH_ALERT_TO not set)'} through {smtp.host}"
        " when a run fails or is blocked, with the failed check or step and the reason.",
    )
    def email_on_run_failure(context: RunFailureSensorContext) -> None:
        run = context.dagster_run
        if run.tags.get(ALERT_SENT_TAG):
            context.log.info(f"run {run.run_id}: the alert was sent by the {run.tags[ALERT_SENT_TAG]}")
            return
        message = failure_message(smtp, context.instance, run, context.failure_event.message or "")
        send_email(smtp, message)
        context.log.info(f"sent the failure alert for run {run.run_id} to {', '.join(smtp.recipients)}")

    return email_on_run_failure
