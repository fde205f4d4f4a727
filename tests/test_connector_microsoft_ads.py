"""The Microsoft Advertising connector drives the real bingads SDK (SOAP submit and poll, zip
download) against a local fake of the Reporting service."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.platforms import microsoft_ads
from ingest.platforms.common import MissingCredential
from tests.fakes.msads_server import FakeMsAccount, FakeMsReporting

NOW = datetime(2026, 10, 16, 2, 0, 0, tzinfo=UTC)
SECRET = "msads-access-secret-77"


@pytest.fixture
def reporting(monkeypatch: pytest.MonkeyPatch):
    fake = FakeMsReporting(
        accounts={
            "150000013": FakeMsAccount(
                [
                    ["2026-10-10", "150000013", "USD", "77", "Brand", "1234.50", "100", "5"],
                    ["10/11/2026", "150000013", "USD", "78", "Used cars", "0.07", "9", "0"],
                ],
                throttle_once=True,
            ),
            "150000026": FakeMsAccount([], fail=True),  # the report fails on Microsoft's side
            "150000039": FakeMsAccount([]),  # no data in the range
            "150000052": FakeMsAccount([["2026-10-12", "150000052", "CAD", "90", "Service", "45.00", "30", "2"]]),
        }
    )
    server, url = fake.start()
    monkeypatch.setenv("MSADS_DEVELOPER_TOKEN", "dev-token")
    monkeypatch.setenv("MSADS_ACCESS_TOKEN", SECRET)
    monkeypatch.setenv("MSADS_CUSTOMER_ID", "123")
    monkeypatch.setenv("REVWH_MSADS_REPORTING_URL", url + "/Api/Advertiser/Reporting/v13/ReportingService.svc")
    yield fake
    server.shutdown()


def test_report_submitted_polled_downloaded_and_parsed_exactly(reporting: FakeMsReporting, tmp_path: Path) -> None:
    waits: list[float] = []
    result = microsoft_ads.pull(
        ["150000013", "150000026", "150000039", "150000052"],
        date(2026, 10, 9),
        date(2026, 10, 15),
        tmp_path,
        now=NOW,
        sleep=waits.append,
        poll_ms=20,
    )
    with result.file.open() as fh:
        rows = list(csv.reader(fh))
    stamp = "2026-10-16T02:00:00Z"
    assert rows[1:] == [
        ["2026-10-10", "150000013", "USD", "77", "Brand", "1234.50", "100", "5", stamp],
        ["2026-10-11", "150000013", "USD", "78", "Used cars", "0.07", "9", "0", stamp],  # M/D/YYYY normalized
        ["2026-10-12", "150000052", "CAD", "90", "Service", "45.00", "30", "2", stamp],
    ]
    assert waits == [60.0]  # code 117 CallRateExceeded: backed off once, then submitted again
    assert reporting.accounts["150000013"].submits == 2
    assert "PollGenerateReport" in reporting.soap_calls
    assert list(result.errors) == ["150000026"]
    assert SECRET not in result.errors["150000026"]


def test_missing_credential(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MSADS_CUSTOMER_ID", raising=False)
    monkeypatch.setenv("MSADS_DEVELOPER_TOKEN", "d")
    monkeypatch.setenv("MSADS_ACCESS_TOKEN", "a")
    monkeypatch.delenv("REVWH_CREDENTIALS_FILE", raising=False)
    with pytest.raises(MissingCredential, match="set MSADS_CUSTOMER_ID"):
        microsoft_ads.pull(["1"], date(2026, 10, 9), date(2026, 10, 15), tmp_path)


def test_parse_report_handles_thousands_separators() -> None:
    text = (
        '"Report Name: x"\r\n"Rows: 1"\r\n\r\n"TimePeriod","AccountId","CurrencyCode","CampaignId","CampaignName",'
        '"Spend","Impressions","Clicks"\r\n"2026-10-10","1","USD","2","A","1,234.56","1","0"\r\n\r\n"©2026 Microsoft"'
    )
    assert microsoft_ads.parse_report(text) == [["2026-10-10", "1", "USD", "2", "A", "1234.56", 1, 0]]


def test_pulled_report_reaches_the_fact_table(reporting: FakeMsReporting, tmp_path: Path) -> None:
    """The chain: the SDK pull writes the landing file, the pipeline shows the spend per contract."""
    from ingest.platforms.pull import pull_platform
    from tests.landing_builder import query, run_pipeline_ok, write_landing

    reporting.accounts["150000013"].throttle_once = False  # keep the pull quick; retries are tested above
    landing = write_landing(
        tmp_path / "landing",
        {
            "clients": [("C1", "Alpha", "Toyota", "US", "USD", "")],
            "products": [("SEARCH", "Search", "search", "media")],
            "contracts": [("K1", "C1", "SEARCH", "", "2026-10-01", "")],
            "budget_schedule": [("K1", "2026-10-01", "3100.00")],
            "rate_card": [("SEARCH", "0", "", "0.10")],
            "ad_accounts": [("microsoft_ads", "150000013", "K1")],
        },
    )
    result = pull_platform(
        "microsoft_ads",
        start=date(2026, 10, 9),
        end=date(2026, 10, 15),
        landing_dir=landing,
        now=NOW,
        sleep=lambda s: None,
    )
    assert result.rows == 2 and not result.errors
    wh = tmp_path / "revwh.duckdb"
    run_pipeline_ok(landing, wh, "2026-10-15")
    # 1234.50 (Oct 10) + 0.07 (Oct 11) = 1234.57 spent to date by K1
    assert query(wh, "select spend_to_date from marts.budget_pacing where contract_id = 'K1'") == [
        (Decimal("1234.57"),)
    ]
