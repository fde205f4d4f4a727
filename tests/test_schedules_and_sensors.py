"""The nightly schedule and the file-drop sensor, evaluated the way the Dagster daemon does
(`evaluate_tick` on a context from `build_schedule_context` / `build_sensor_context`), on the
definitions `build_definitions` wires, over a temporary landing directory and Dagster instance."""

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from dagster import (
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Definitions,
    build_schedule_context,
    build_sensor_context,
    validate_run_config,
)

from ingest.landing import file_hash
from orchestration.pipeline.definitions import NIGHTLY_JOB, build_definitions
from orchestration.pipeline.schedules import SCHEDULE_NAME, NightlyClock
from orchestration.pipeline.sensors import SENSOR_NAME, DropCursor
from orchestration.settings import RevwhSettings

TORONTO = ZoneInfo("America/Toronto")


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[DagsterInstance]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    with DagsterInstance.local_temp(str(home)) as inst:
        yield inst


@pytest.fixture
def clock_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REVWH_SCHEDULE_TIME", raising=False)
    monkeypatch.delenv("REVWH_SCHEDULE_TIMEZONE", raising=False)


@pytest.fixture
def site(tmp_path: Path, clock_env: None) -> tuple[Definitions, RevwhSettings]:
    settings = RevwhSettings(landing_dir=str(tmp_path / "landing"), warehouse_path=str(tmp_path / "wh.duckdb"))
    return build_definitions(settings), settings


# ---------------------------------------------------------------- schedule


def _resources(defs: Definitions) -> dict[str, object]:
    """What the code server hands a schedule or sensor: the definitions' own `settings` resource."""
    return {"settings": defs.get_repository_def().get_top_level_resources()["settings"]}


def _schedule_tick(defs: Definitions, instance: DagsterInstance, when: datetime):
    schedule = defs.resolve_schedule_def(SCHEDULE_NAME)
    with build_schedule_context(instance=instance, scheduled_execution_time=when, resources=_resources(defs)) as ctx:
        return schedule.evaluate_tick(ctx)


def test_schedule_defaults_cron_timezone_and_status(site) -> None:
    defs, _settings = site
    schedule = defs.resolve_schedule_def(SCHEDULE_NAME)
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "America/Toronto"
    assert schedule.default_status == DefaultScheduleStatus.RUNNING
    assert schedule.job_name == NIGHTLY_JOB
    assert [s.name for s in defs.schedules] == ["nightly"]  # the old 02:00 UTC cron is gone


def test_schedule_time_and_zone_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REVWH_SCHEDULE_TIME", "21:45")
    monkeypatch.setenv("REVWH_SCHEDULE_TIMEZONE", "Europe/Paris")
    defs = build_definitions(RevwhSettings(landing_dir=str(tmp_path)))
    schedule = defs.resolve_schedule_def(SCHEDULE_NAME)
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("45 21 * * *", "Europe/Paris")
    with pytest.raises(ValueError, match="REVWH_SCHEDULE_TIME must be HH:MM"):
        NightlyClock.from_env({"REVWH_SCHEDULE_TIME": "6am"})
    with pytest.raises(ValueError, match="REVWH_SCHEDULE_TIMEZONE must be an IANA time zone"):
        NightlyClock.from_env({"REVWH_SCHEDULE_TIMEZONE": "Eastern"})


def test_scheduled_run_gets_yesterday_in_toronto_as_config_and_tag(site, instance) -> None:
    defs, settings = site
    data = _schedule_tick(defs, instance, datetime(2026, 11, 23, 6, 0, tzinfo=TORONTO))
    [request] = data.run_requests
    config = request.run_config["resources"]["settings"]["config"]
    assert config["as_of"] == "2026-11-22"
    assert request.tags["revwh/as_of"] == "2026-11-22"
    assert request.tags["revwh/warehouse"] == str(settings.published())
    assert request.run_key == "nightly-2026-11-22"
    # The run's settings are the bound ones with T: the job resolves that config to exactly this.
    job = defs.resolve_job_def(NIGHTLY_JOB)
    resolved = validate_run_config(job, request.run_config)["resources"]["settings"]["config"]
    # ... and a daemon run waits up to 30 minutes for a `revwh run` holding the warehouse
    assert resolved == {**settings.model_dump(), "as_of": "2026-11-22", "lock_wait_seconds": 1800.0}
    assert resolved["landing_dir"] == settings.landing_dir and resolved["warehouse_path"] == settings.warehouse_path
    # Why every field is given: config naming only as_of resets the others to the class defaults.
    partial = validate_run_config(job, {"resources": {"settings": {"config": {"as_of": "2026-11-22"}}}})
    assert partial["resources"]["settings"]["config"]["landing_dir"] == "landing"
    # A run without settings config (the launchpad's default, `revwh run`) keeps the bound values.
    assert validate_run_config(job, {})["resources"]["settings"]["config"] == settings.model_dump()


def test_as_of_is_yesterday_in_the_schedule_zone_not_utc(site, instance) -> None:
    defs, _settings = site
    # 00:30 UTC on Nov 23 is 19:30 on Nov 22 in Toronto: yesterday there is Nov 21.
    data = _schedule_tick(defs, instance, datetime(2026, 11, 23, 0, 30, tzinfo=UTC))
    assert data.run_requests[0].tags["revwh/as_of"] == "2026-11-21"
    assert NightlyClock().as_of_for(datetime(2026, 11, 23, 5, 0, tzinfo=UTC)) == date(2026, 11, 22)  # 00:00 EST


def test_a_night_already_run_is_not_run_again(site, instance) -> None:
    defs, _settings = site
    first = _schedule_tick(defs, instance, datetime(2026, 11, 23, 6, 0, tzinfo=TORONTO)).run_requests[0]
    tags = {**first.tags, "dagster/schedule_name": "nightly", "dagster/run_key": first.run_key}
    instance.add_run(DagsterRun(job_name=NIGHTLY_JOB, status=DagsterRunStatus.SUCCESS, tags=tags))
    # The same night at another tick time (the schedule time was moved during the day): skipped.
    again = _schedule_tick(defs, instance, datetime(2026, 11, 23, 9, 30, tzinfo=TORONTO))
    assert again.run_requests == [] and "already ran" in again.skip_message
    nxt = _schedule_tick(defs, instance, datetime(2026, 11, 24, 6, 0, tzinfo=TORONTO))
    assert nxt.run_requests[0].tags["revwh/as_of"] == "2026-11-23"


# ---------------------------------------------------------------- file-drop sensor


def _drop(path: Path, text: str, age_s: float = 300) -> None:
    """Write a file as a finished drop: its mtime `age_s` seconds ago (past the sensor's 30 s wait)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    past = time.time() - age_s
    os.utime(path, (past, past))


def _sensor_tick(defs: Definitions, instance: DagsterInstance, cursor: str | None):
    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    with build_sensor_context(instance=instance, cursor=cursor, resources=_resources(defs)) as ctx:
        return sensor.evaluate_tick(ctx)


def _yesterday_in_toronto() -> set[str]:
    return {(datetime.now(TORONTO).date() - timedelta(days=d)).isoformat() for d in (1, 0)}  # 0: past midnight


def test_sensor_definition(site) -> None:
    defs, _settings = site
    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    assert sensor.default_status == DefaultSensorStatus.RUNNING
    assert sensor.minimum_interval_seconds == 60
    assert sensor.job_name == NIGHTLY_JOB


def test_one_drop_one_run(site, instance) -> None:
    defs, settings = site
    landing = settings.landing()
    assert "does not exist" in _sensor_tick(defs, instance, None).skip_message
    landing.mkdir()
    assert "holds no files" in _sensor_tick(defs, instance, None).skip_message

    _drop(landing / "contracting" / "clients.csv", "client_id,client_name\nC1,Alpha\n")
    _drop(landing / "accounting" / "invoices_2026-11.csv", "invoice_id\nI1\n")
    first = _sensor_tick(defs, instance, None)
    [request] = first.run_requests
    assert request.tags["revwh/as_of"] in _yesterday_in_toronto()
    config = request.run_config["resources"]["settings"]["config"]
    assert config == {**settings.model_dump(), "as_of": request.tags["revwh/as_of"], "pull_ad_platforms": False,
                      "lock_wait_seconds": 1800.0}
    assert json.loads(first.cursor)["files"] == 2 and json.loads(first.cursor)["seq"] == 1

    same = _sensor_tick(defs, instance, first.cursor)
    assert same.run_requests == [] and "no change" in same.skip_message

    _drop(landing / "accounting" / "invoices_2026-11.csv", "invoice_id\nI1\nI2\n")  # changed content
    changed = _sensor_tick(defs, instance, first.cursor)
    assert len(changed.run_requests) == 1 and changed.run_requests[0].run_key != request.run_key

    _drop(landing / "fx" / "fx_rates.csv", "rate_date,currency,usd_per_unit\n")  # a new file
    added = _sensor_tick(defs, instance, changed.cursor)
    assert len(added.run_requests) == 1 and json.loads(added.cursor)["files"] == 3
    assert _sensor_tick(defs, instance, added.cursor).run_requests == []

    # A file rewritten with the same bytes (new mtime) is no change: hashes, not timestamps, decide.
    _drop(landing / "fx" / "fx_rates.csv", "rate_date,currency,usd_per_unit\n", age_s=120)
    assert _sensor_tick(defs, instance, added.cursor).run_requests == []


def test_cursor_round_trips(site, instance) -> None:
    defs, settings = site
    _drop(settings.landing() / "contracting" / "clients.csv", "client_id\nC1\n")
    cursor = _sensor_tick(defs, instance, None).cursor
    assert DropCursor.from_json(cursor).to_json() == cursor
    assert DropCursor.from_json(cursor).digest == json.loads(cursor)["digest"]
    assert DropCursor.from_json("not json") == DropCursor()  # a damaged cursor starts over
    assert _sensor_tick(defs, instance, DropCursor.from_json(cursor).to_json()).run_requests == []


def test_sensor_waits_for_a_drop_in_progress_and_for_a_running_job(site, instance) -> None:
    defs, settings = site
    _drop(settings.landing() / "contracting" / "clients.csv", "client_id\nC1\n", age_s=0)  # still being written
    busy_file = _sensor_tick(defs, instance, None)
    assert busy_file.run_requests == [] and "waiting for the drop to finish" in busy_file.skip_message
    assert busy_file.cursor is None  # unchanged: the drop is seen again next tick

    _drop(settings.landing() / "contracting" / "clients.csv", "client_id\nC1\n")
    instance.add_run(DagsterRun(job_name=NIGHTLY_JOB, status=DagsterRunStatus.STARTED,
                                tags={"revwh/warehouse": str(settings.published())}))
    busy_run = _sensor_tick(defs, instance, None)
    assert busy_run.run_requests == [] and "is not finished" in busy_run.skip_message and busy_run.cursor is None


def test_files_the_published_warehouse_already_has_start_no_run(site, instance) -> None:
    """E.g. the files the nightly pull wrote: that run loaded and published them already."""
    defs, settings = site
    path = settings.landing() / "ads" / "google_ads" / "google_ads_2026-11-15_2026-11-22_x.csv"
    _drop(path, "segments_date,customer_id\n2026-11-22,1112223333\n")
    con = duckdb.connect(str(settings.published()))
    con.execute("create schema raw")
    con.execute("create table raw._files (source_file varchar, content_hash varchar)")
    con.execute("insert into raw._files values (?, ?)", [path.relative_to(settings.landing()).as_posix(),
                                                         file_hash(path)])
    con.close()
    data = _sensor_tick(defs, instance, None)
    assert data.run_requests == [] and "already reflects" in data.skip_message
    assert json.loads(data.cursor)["files"] == 1  # remembered: no run for these files later either
