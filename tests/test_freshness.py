"""Freshness checks (WARN, non-blocking) on the raw spend and accounting assets.

One small warehouse is built per module by a real nightly run launched the way the schedule
launches it (its RunRequest's run config and tags, for the tick at 2026-10-17 06:00 Toronto, so
T = 2026-10-16); Google Ads spend lands up to 2026-10-14. The checks are then run alone over it
(as "Execute checks" in the UI does) with other T, and over a copy whose accounting files were
loaded a week earlier.
"""

import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from dagster import (
    AssetCheckKey,
    AssetCheckSeverity,
    AssetKey,
    AssetSelection,
    DagsterEventType,
    DagsterInstance,
    build_schedule_context,
    materialize,
)

from orchestration.pipeline.definitions import NIGHTLY_JOB, build_definitions
from orchestration.pipeline.freshness import (
    ACCOUNTING_CHECK,
    FRESHNESS_CHECK_KEYS,
    SPEND_CHECK,
    LoadedFile,
    accounting_result,
    business_days_between,
    source_freshness,
)
from orchestration.pipeline.schedules import SCHEDULE_NAME
from orchestration.settings import RevwhSettings
from tests.landing_builder import write_landing

ACCOUNTING = ("invoices", "invoice_lines", "credit_memos", "payments", "payment_applications", "write_offs")


def _google_row(day: str, micros: str) -> tuple[str, ...]:
    return (day, "1112223333", "USD", "America/Toronto", "11", "Search", micros, "100", "5", "2026-10-15T06:00:00Z")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """(settings, the nightly run's result, its instance's event records of check evaluations)."""
    root = tmp_path_factory.mktemp("freshness")
    landing = write_landing(root / "landing", {
        "clients": [("C1", "Alpha", "Toyota", "US", "USD", "")],
        "products": [("SEARCH", "Search", "search", "media")],
        "contracts": [("K1", "C1", "SEARCH", "", "2026-10-01", "")],
        "budget_schedule": [("K1", "2026-10-01", "3100.00")],
        "rate_card": [("SEARCH", "0", "", "0.10")],
        "ad_accounts": [("google_ads", "111-222-3333", "K1")],
        "google_ads": [_google_row("2026-10-13", "12340000"), _google_row("2026-10-14", "5000000")],
    })
    settings = RevwhSettings(landing_dir=str(landing), warehouse_path=str(root / "revwh.duckdb"))  # as_of unset
    defs = build_definitions(settings)
    home = root / "dagster_home"
    home.mkdir()
    with DagsterInstance.local_temp(str(home)) as instance:
        tick = datetime(2026, 10, 17, 6, 0, tzinfo=ZoneInfo("America/Toronto"))
        resources = {"settings": defs.get_repository_def().get_top_level_resources()["settings"]}
        with build_schedule_context(scheduled_execution_time=tick, resources=resources, instance=instance) as ctx:
            [request] = defs.resolve_schedule_def(SCHEDULE_NAME).evaluate_tick(ctx).run_requests
        result = defs.resolve_job_def(NIGHTLY_JOB).execute_in_process(
            instance=instance, run_config=request.run_config, tags=request.tags, raise_on_error=False
        )
        events = [e.event_type_value for e in result.all_events]
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return settings, result, events


def _run_checks(settings: RevwhSettings, **changes: str) -> dict[tuple[str, str], object]:
    """Execute the freshness checks alone (as the UI's "Execute checks" does) with `changes` to the settings."""
    result = materialize(
        [source_freshness],
        resources={"settings": RevwhSettings(**{**settings.model_dump(), **changes})},
        selection=AssetSelection.checks(source_freshness),
    )
    return {(e.asset_key.path[-1], e.check_name): e for e in result.get_asset_check_evaluations()}


def test_nightly_run_judges_freshness_after_it_published(built) -> None:
    settings, result, events = built
    evaluations = {(e.asset_key.path[-1], e.check_name): e for e in result.get_asset_check_evaluations()}
    assert {(k.asset_key.path[-1], k.name) for k in FRESHNESS_CHECK_KEYS} <= set(evaluations)
    google = evaluations[("google_ads", SPEND_CHECK)]
    assert google.passed and google.severity == AssetCheckSeverity.WARN
    # T reached the run's settings from the schedule's run config (the bound settings had none).
    assert google.metadata["as_of"].value == "2026-10-16"
    assert google.metadata["latest_spend_day"].value == "2026-10-14"
    assert evaluations[("meta_ads", SPEND_CHECK)].passed  # no Meta account mapped: nothing expected
    assert all(evaluations[(t, ACCOUNTING_CHECK)].passed for t in ACCOUNTING)  # loaded just now
    # Judged on what this run published: the check step starts after the publish step succeeded.
    steps = [(e.event_type_value, e.step_key) for e in result.all_events if e.step_key]
    assert steps.index(("STEP_START", "source_freshness")) > steps.index(("STEP_SUCCESS", "published_warehouse"))
    assert DagsterEventType.RUN_SUCCESS.value in events


def test_spend_flagged_when_latest_day_is_more_than_two_days_before_t(built) -> None:
    settings, _result, _events = built
    fresh = _run_checks(settings, as_of="2026-10-16")[("google_ads", SPEND_CHECK)]
    assert fresh.passed and fresh.metadata["days_before_as_of"].value == 2
    stale = _run_checks(settings, as_of="2026-10-17")[("google_ads", SPEND_CHECK)]
    assert not stale.passed and stale.severity == AssetCheckSeverity.WARN
    assert stale.description.startswith("latest google_ads spend day is 2026-10-14, 3 days before T 2026-10-17")


def test_accounting_flagged_when_newest_file_loaded_more_than_a_business_day_ago(built, tmp_path: Path) -> None:
    settings, _result, _events = built
    assert all(_run_checks(settings)[(t, ACCOUNTING_CHECK)].passed for t in ACCOUNTING)
    week_old = tmp_path / "week_old.duckdb"
    shutil.copy2(settings.published(), week_old)
    con = duckdb.connect(str(week_old))
    con.execute("update raw._files set loaded_at = loaded_at - interval 7 day")  # 7 days: 5 business days
    con.close()
    results = _run_checks(settings, warehouse_path=str(week_old))
    for table in ACCOUNTING:
        stale = results[(table, ACCOUNTING_CHECK)]
        assert not stale.passed and stale.severity == AssetCheckSeverity.WARN, table
        assert "business days ago (more than 1)" in stale.description
        assert stale.metadata["business_days_ago"].value == 5


def test_checks_are_warnings_that_never_block(built) -> None:
    settings, _result, _events = built
    graph = build_definitions(settings).resolve_asset_graph()
    for key in FRESHNESS_CHECK_KEYS:
        assert not graph.get_check_spec(key).blocking
    assert AssetCheckKey(AssetKey(["raw", "invoices"]), ACCOUNTING_CHECK) in FRESHNESS_CHECK_KEYS
    missing = _run_checks(settings, warehouse_path=str(Path(settings.warehouse_path).with_name("none.duckdb")))
    assert all(not e.passed and "no published warehouse" in e.description for e in missing.values())


def test_business_day_rule_by_hand() -> None:
    friday, monday = date(2026, 11, 20), date(2026, 11, 23)
    assert business_days_between(friday, monday) == 1  # the weekend does not count
    assert business_days_between(date(2026, 11, 19), monday) == 2  # Thursday -> Monday
    assert business_days_between(date(2026, 11, 21), monday) == 1  # Saturday -> Monday
    assert business_days_between(monday, monday) == 0

    def loaded(day: date) -> list[LoadedFile]:
        return [LoadedFile("accounting/invoices_2026-11.csv", "invoices", datetime.combine(day, datetime.min.time()))]

    assert accounting_result("payments", loaded(friday), monday).passed
    late = accounting_result("payments", loaded(date(2026, 11, 19)), monday)
    assert not late.passed and late.metadata["newest_payments_file"].value == "none"
    assert "accounting/invoices_2026-11.csv was loaded 2026-11-19 00:00, 2 business days ago" in late.description
