"""The Meta connector drives the real facebook-business SDK against a local Graph API fake."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ingest.platforms import meta_ads
from ingest.platforms.common import MissingCredential
from tests.fakes.meta_graph_server import FakeAccount, FakeGraph

NOW = datetime(2026, 10, 16, 2, 0, 0, tzinfo=UTC)
SECRET = "meta-secret-token-123"


def _row(day: str, campaign: str, spend: str) -> dict:
    return {
        "date_start": day,
        "date_stop": day,
        "campaign_id": campaign,
        "campaign_name": f"C{campaign}",
        "spend": spend,
        "impressions": "100",
        "clicks": "3",
    }


@pytest.fixture
def graph(monkeypatch: pytest.MonkeyPatch):
    fake = FakeGraph(
        accounts={
            "111": FakeAccount(
                [
                    _row("2026-10-10", "1", "10.50"),
                    _row("2026-10-10", "2", "0.99"),
                    _row("2026-10-11", "1", "12.00"),
                    _row("2026-10-12", "1", "7.25"),
                    _row("2026-10-13", "1", "1.01"),
                ]
            ),
            "222": FakeAccount([_row("2026-10-11", "5", "50.00")], currency="CAD", throttle_once=True),
            "333": FakeAccount([], error=200),  # permission error: permanent
            "444": FakeAccount([]),  # no data
        }
    )
    server, url = fake.start()
    monkeypatch.setenv("META_ACCESS_TOKEN", SECRET)
    monkeypatch.setenv("REVWH_META_GRAPH_URL", url)
    yield fake
    server.shutdown()


def _read(path: Path) -> list[list[str]]:
    with path.open() as fh:
        return list(csv.reader(fh))


def test_pull_pages_throttles_and_reports_per_account(graph: FakeGraph, tmp_path: Path, caplog) -> None:
    waits: list[float] = []
    result = meta_ads.pull(
        ["111", "222", "333", "444"], date(2026, 10, 10), date(2026, 10, 16), tmp_path, now=NOW, sleep=waits.append
    )
    rows = _read(result.file)
    assert rows[0] == [
        "date_start",
        "account_id",
        "account_currency",
        "campaign_id",
        "campaign_name",
        "spend",
        "impressions",
        "clicks",
        "extracted_at",
    ]
    stamp = "2026-10-16T02:00:00Z"
    assert rows[1:] == [
        ["2026-10-10", "111", "USD", "1", "C1", "10.50", "100", "3", stamp],
        ["2026-10-10", "111", "USD", "2", "C2", "0.99", "100", "3", stamp],
        ["2026-10-11", "111", "USD", "1", "C1", "12.00", "100", "3", stamp],
        ["2026-10-12", "111", "USD", "1", "C1", "7.25", "100", "3", stamp],
        ["2026-10-13", "111", "USD", "1", "C1", "1.01", "100", "3", stamp],
        ["2026-10-11", "222", "CAD", "5", "C5", "50.00", "100", "3", stamp],  # non-USD, after a throttle
    ]
    assert result.file.name == "meta_ads_2026-10-10_2026-10-16_20261016T020000Z.csv"
    # 5 rows at 2 a page = 3 pages for account 111
    assert graph.requests.count("GET /v26.0/act_111/insights") == 3
    # throttled once: waited what the usage header said (2 minutes), then succeeded
    assert waits == [120.0]
    assert list(result.errors) == ["333"] and "Meta error 200" in result.errors["333"]
    assert SECRET not in caplog.text and all(SECRET not in e for e in result.errors.values())


def test_long_range_uses_async_report_with_polling(graph: FakeGraph, tmp_path: Path) -> None:
    waits: list[float] = []
    result = meta_ads.pull(
        ["111"], date(2026, 9, 1), date(2026, 10, 15), tmp_path, now=NOW, sleep=waits.append, poll_interval=5.0
    )
    assert result.rows == 5 and not result.errors
    assert "POST /v26.0/act_111/insights" in graph.requests
    assert waits == [5.0]  # one poll while "Job Running"


def test_restated_day_in_a_later_pull(graph: FakeGraph, tmp_path: Path) -> None:
    first = meta_ads.pull(["111"], date(2026, 10, 10), date(2026, 10, 13), tmp_path, now=NOW, sleep=lambda s: None)
    graph.accounts["111"].rows[0]["spend"] = "9.75"  # Meta restated Oct 10
    later = datetime(2026, 10, 17, 2, 0, 0, tzinfo=UTC)
    second = meta_ads.pull(["111"], date(2026, 10, 10), date(2026, 10, 13), tmp_path, now=later, sleep=lambda s: None)
    assert first.file != second.file
    assert _read(second.file)[1][5] == "9.75" and _read(second.file)[1][8] == "2026-10-17T02:00:00Z"


def test_missing_credential_names_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("META_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("REVWH_CREDENTIALS_FILE", raising=False)
    with pytest.raises(MissingCredential, match=r"^missing credential: set META_ACCESS_TOKEN \(environment or"):
        meta_ads.pull(["111"], date(2026, 10, 10), date(2026, 10, 13), tmp_path)


def test_nightly_run_pulls_loads_and_models(graph: FakeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One `revwh run --pull`: Meta pulled through the SDK, Google and Microsoft skipped (no
    credentials), and the pulled spend reaches fct_ad_spend_daily attributed to its contract."""
    from orchestration.run.runner import run_pipeline
    from tests.landing_builder import query, write_landing

    graph.accounts["222"].throttle_once = False  # the nightly job sleeps for real

    for name in (
        "GOOGLE_ADS_DEVELOPER_TOKEN",
        "GOOGLE_ADS_ACCESS_TOKEN",
        "MSADS_DEVELOPER_TOKEN",
        "REVWH_CREDENTIALS_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    landing = write_landing(
        tmp_path / "landing",
        {
            "clients": [("C1", "Alpha", "Toyota", "US", "USD", ""), ("C2", "Beta", "Honda", "CA", "CAD", "")],
            "products": [("SOCIAL", "Social", "social", "media")],
            "contracts": [("K1", "C1", "SOCIAL", "", "2026-10-01", ""), ("K2", "C2", "SOCIAL", "", "2026-10-01", "")],
            "budget_schedule": [("K1", "2026-10-01", "3100.00"), ("K2", "2026-10-01", "3100.00")],
            "rate_card": [("SOCIAL", "0", "", "0.10")],
            "ad_accounts": [("meta_ads", "act_111", "K1"), ("meta_ads", "222", "K2")],
            "fx_rates": [("2026-10-01", "CAD", "0.720000")],
        },
    )
    outcome = run_pipeline(landing, tmp_path / "revwh.duckdb", "2026-10-13", pull_ad_platforms=True)
    assert outcome.success, outcome.failures
    assert list((landing / "ads" / "meta_ads").glob("meta_ads_2026-10-07_2026-10-13_*.csv"))
    assert not (landing / "ads" / "google_ads").exists()  # skipped: no credentials
    spend = query(
        tmp_path / "revwh.duckdb",
        "select contract_id, sum(spend), any_value(currency) from marts.fct_ad_spend_daily group by 1 order by 1",
    )
    # K1: 10.50 + 0.99 + 12.00 + 7.25 + 1.01 = 31.75 USD; K2: 50.00 CAD (account bills in CAD)
    assert [(k, str(s), c) for k, s, c in spend] == [("K1", "31.75", "USD"), ("K2", "50.00", "CAD")]
