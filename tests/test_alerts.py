"""The run-failure email: real failed runs (a tiny job whose op raises, and a nightly run blocked by
a rejected landing file) in a Dagster instance, the sensor `build_definitions` wires, and a real SMTP
server on 127.0.0.1 (aiosmtpd) that collects what it receives."""

import socket
from collections.abc import Iterator
from datetime import datetime
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from dagster import (
    DagsterEventType,
    DagsterInstance,
    Definitions,
    build_run_status_sensor_context,
    build_schedule_context,
    job,
    op,
)

from orchestration.pipeline.alerts import SENSOR_NAME, SmtpSettings
from orchestration.pipeline.definitions import NIGHTLY_JOB, build_definitions
from orchestration.pipeline.freshness import FRESHNESS_CHECK_KEYS
from orchestration.pipeline.run_outcome import OUTCOME_TAG
from orchestration.pipeline.run_outcome import SENSOR_NAME as OUTCOME_SENSOR
from orchestration.pipeline.schedules import SCHEDULE_NAME
from orchestration.settings import RevwhSettings
from tests.landing_builder import write_landing

PASSWORD = "pw-MARKER-7f3a9c"  # must never appear in a message
TOKEN = "tok-MARKER-51be02"  # a platform credential an error message might quote


class Collector:
    """aiosmtpd handler: keeps every message it is sent, with its envelope."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Collector]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    for name in ("REVWH_SMTP_USER", "REVWH_UI_URL", "REVWH_SCHEDULE_TIME", "REVWH_SCHEDULE_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REVWH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("REVWH_SMTP_PORT", str(port))
    monkeypatch.setenv("REVWH_ALERT_FROM", "revwh@agency.test")
    monkeypatch.setenv("REVWH_ALERT_TO", "billing@agency.test, ops@agency.test")
    monkeypatch.setenv("REVWH_SMTP_PASSWORD", PASSWORD)  # no user: plain SMTP, no login, as a local relay
    monkeypatch.setenv("META_ACCESS_TOKEN", TOKEN)
    try:
        yield collector
    finally:
        controller.stop()


def _alert(defs: Definitions, instance: DagsterInstance, result) -> None:
    """What the daemon does for a failed run: call the run-failure sensor with its context."""
    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    context = build_run_status_sensor_context(
        sensor_name=SENSOR_NAME,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    )
    sensor(context)


def _tag_outcome(defs: Definitions, instance: DagsterInstance, result) -> str:
    """What the daemon does for a failed UI, schedule or sensor run: the outcome sensor tags it."""
    context = build_run_status_sensor_context(
        sensor_name=OUTCOME_SENSOR,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id),
    )
    defs.resolve_sensor_def(OUTCOME_SENSOR)(context)
    return instance.get_run_by_id(result.run_id).tags[OUTCOME_TAG]


def _text(message: Message) -> str:
    return f"Subject: {message['Subject']}\n\n{message.get_content()}"


def test_no_smtp_host_no_alert_sensor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("REVWH_SMTP_HOST", raising=False)
    defs = build_definitions(RevwhSettings(landing_dir=str(tmp_path)))
    assert SENSOR_NAME not in {s.name for s in defs.sensors}
    assert SmtpSettings.from_env({}) is None
    assert PASSWORD not in repr(SmtpSettings(host="h", password=PASSWORD))


def test_failed_step_is_emailed_without_secrets(smtp_server: Collector, tmp_path: Path) -> None:
    @op
    def load_export() -> None:
        raise ValueError(f"export accounting/payments.csv is truncated (token {TOKEN})")

    @job
    def tiny_failing_job() -> None:
        load_export()

    defs = build_definitions(RevwhSettings(landing_dir=str(tmp_path)))
    assert defs.resolve_sensor_def(SENSOR_NAME).default_status.value == "RUNNING"
    with DagsterInstance.ephemeral() as instance:
        result = tiny_failing_job.execute_in_process(instance=instance, raise_on_error=False)
        assert not result.success
        _alert(defs, instance, result)
        assert _tag_outcome(defs, instance, result) == "failed"  # a system error, not the data

    [(sender, recipients, message)] = smtp_server.received
    assert sender == "revwh@agency.test"
    assert recipients == ["billing@agency.test", "ops@agency.test"]
    text = _text(message)
    assert message["Subject"] == (
        "[revwh] tiny_failing_job failed: step load_export failed: ValueError: export accounting/payments.csv"
        " is truncated (token ***)"
    )
    assert "  step load_export failed: ValueError: export accounting/payments.csv is truncated (token ***)" in text
    assert f"Run:      {result.run_id}" in text
    assert PASSWORD not in text and TOKEN not in text


def test_blocked_nightly_run_emails_the_check_line(smtp_server: Collector, tmp_path: Path) -> None:
    """A scheduled nightly run over a landing dir whose contracts export lost its end_date column."""
    landing = write_landing(tmp_path / "landing", {})
    (landing / "contracting" / "contracts.csv").write_text(
        "contract_id,client_id,product_code,program_code,start_date\nK1,C1,SEARCH,,2026-10-01\n", encoding="utf-8"
    )
    settings = RevwhSettings(landing_dir=str(landing), warehouse_path=str(tmp_path / "wh.duckdb"))
    defs = build_definitions(settings)
    home = tmp_path / "dagster_home"
    home.mkdir()
    with DagsterInstance.local_temp(str(home)) as instance:
        schedule = defs.resolve_schedule_def(SCHEDULE_NAME)
        tick_at = datetime(2026, 10, 17, 6, 0, tzinfo=ZoneInfo("America/Toronto"))
        resources = {"settings": defs.get_repository_def().get_top_level_resources()["settings"]}
        with build_schedule_context(scheduled_execution_time=tick_at, resources=resources, instance=instance) as ctx:
            [request] = schedule.evaluate_tick(ctx).run_requests
        result = defs.resolve_job_def(NIGHTLY_JOB).execute_in_process(
            instance=instance, run_config=request.run_config, tags=request.tags, raise_on_error=False
        )
        assert not result.success
        checked = {e.dagster_event.asset_check_evaluation_data.asset_check_key
                   for e in instance.all_logs(result.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)}
        _alert(defs, instance, result)
        assert _tag_outcome(defs, instance, result) == "blocked"  # the Runs list tells it from a failure
        logs = instance.all_logs(result.run_id)
        [failure] = [e.dagster_event for e in logs if e.dagster_event and e.dagster_event.is_step_failure]
        # one line naming the file, in a step nothing depends on: no step is logged as abandoned
        assert failure.step_key == "landing_gate_verdict"
        assert failure.step_failure_data.error.cause.message.startswith(
            "orchestration.pipeline.gates.LandingBlocked: the landing gate blocked the run: raw/contracts:"
            " contracting/contracts.csv: missing column(s) end_date")
        assert failure.step_failure_data.error.cause.stack == []
        assert not [e for e in logs if e.user_message.startswith("Dependencies for step")]

    assert not settings.published().exists()
    assert not checked & set(FRESHNESS_CHECK_KEYS)  # nothing published, so freshness was not judged
    [(_sender, _recipients, message)] = smtp_server.received
    text = _text(message)
    assert message["Subject"].startswith(
        "[revwh] revwh_nightly blocked (as of 2026-10-16): check raw/contracts landing_gate failed:"
        " contracting/contracts.csv: missing column(s) end_date"
    )
    assert "  check raw/contracts landing_gate failed: contracting/contracts.csv: missing column(s) end_date" in text
    assert "The published warehouse was not changed" in text
    assert "As of:    2026-10-16" in text
    assert f"Warehouse: {settings.published()}" in text
    assert PASSWORD not in text

