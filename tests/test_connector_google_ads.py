"""The Google Ads connector drives the real google-ads SDK (gRPC over TLS) against a local fake
server, through the `revwh pull` command a user runs."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.google_ads_server import FakeCustomer, FakeGoogleAds, self_signed_cert

REVWH = str(Path(sys.executable).parent / "revwh")
DEV_TOKEN, ACCESS_TOKEN = "dev-token-secret-42", "ya29.access-secret-43"


@pytest.fixture
def google(tmp_path: Path):
    fake = FakeGoogleAds(
        customers={
            "1112223333": FakeCustomer(
                "USD",
                [
                    [("2026-10-10", 11, "Brand", 12_340_000), ("2026-10-10", 12, "Used", 1)],
                    [("2026-10-11", 11, "Brand", 5_000_000)],
                ],
            ),  # two streamed batches
            "4445556666": FakeCustomer("CAD", [[("2026-10-12", 21, "Service", 99_990_000)]], throttle_once=True),
            "7778889999": FakeCustomer("USD", [], deny=True),
            "1010101010": FakeCustomer("USD", []),
        }
    )
    key, cert, cert_path = self_signed_cert(tmp_path)
    server, endpoint = fake.start(key, cert)
    landing = tmp_path / "landing"
    (landing / "contracting").mkdir(parents=True)
    (landing / "contracting" / "ad_accounts.csv").write_text(
        "platform,account_id,contract_id\ngoogle_ads,111-222-3333,K1\ngoogle_ads,4445556666,K2\n"
        "google_ads,7778889999,K3\ngoogle_ads,1010101010,K4\nmeta_ads,999,K5\n"
    )
    env = {
        **os.environ,
        "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": str(cert_path),
        "REVWH_GOOGLE_ADS_ENDPOINT": endpoint,
        "GOOGLE_ADS_DEVELOPER_TOKEN": DEV_TOKEN,
        "GOOGLE_ADS_ACCESS_TOKEN": ACCESS_TOKEN,
    }
    yield fake, landing, env
    server.stop(None)


def _pull(landing: Path, env: dict, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            REVWH,
            "pull",
            "--platform",
            "google_ads",
            "--landing",
            str(landing),
            "--start",
            "2026-10-09",
            "--end",
            "2026-10-15",
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_pull_streams_retries_and_reports_per_account(google) -> None:
    fake, landing, env = google
    proc = _pull(landing, env)
    assert proc.returncode == 1, proc.stderr[-3000:]
    found = sorted((landing / "ads" / "google_ads").glob("google_ads_2026-10-09_2026-10-15_*.csv"))
    files = [f for f in found if not f.name.endswith(".coverage.csv")]
    assert len(files) == 1
    # Beside the pull, its coverage: every account read in full with the window; the failed one is
    # left out, so its earlier rows stay (an account with no rows is covered: zero spend)
    coverage = files[0].with_name(files[0].stem + ".coverage.csv")
    with coverage.open() as fh:
        covered = list(csv.DictReader(fh))
    assert sorted(found) == sorted([files[0], coverage])
    assert {r["account_id"] for r in covered} >= {"1112223333", "4445556666"}
    assert "7778889999" not in {r["account_id"] for r in covered}
    assert {(r["platform"], r["start_date"], r["end_date"]) for r in covered} == {
        ("google_ads", "2026-10-09", "2026-10-15")}
    with files[0].open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [
        "segments_date",
        "customer_id",
        "customer_currency_code",
        "customer_time_zone",
        "campaign_id",
        "campaign_name",
        "metrics_cost_micros",
        "metrics_impressions",
        "metrics_clicks",
        "extracted_at",
    ]
    body = [r[:9] for r in rows[1:]]
    assert body == [
        ["2026-10-10", "1112223333", "USD", "America/Toronto", "11", "Brand", "12340000", "100", "4"],
        ["2026-10-10", "1112223333", "USD", "America/Toronto", "12", "Used", "1", "100", "4"],
        ["2026-10-11", "1112223333", "USD", "America/Toronto", "11", "Brand", "5000000", "100", "4"],
        ["2026-10-12", "4445556666", "CAD", "America/Toronto", "21", "Service", "99990000", "100", "4"],
    ]
    assert len({r[9] for r in rows[1:]}) == 1  # one extracted_at per pull
    assert {r["extracted_at"] for r in covered} == {rows[1][9]}  # the coverage's is the pull's
    # throttled once, waited the 0.2 s Google asked for, then succeeded
    assert "waiting 0.2s as it asked" in proc.stderr
    assert fake.customers["4445556666"].calls == 2
    assert "account 7778889999 failed: Google Ads error PERMISSION_DENIED" in proc.stderr
    assert "4 rows for 4 account(s)" in proc.stdout
    # GAQL over campaign/day, developer token sent as metadata, never printed
    assert "FROM campaign WHERE segments.date BETWEEN '2026-10-09' AND '2026-10-15'" in fake.queries[0][1]
    assert fake.metadata_seen[0]["developer-token"] == DEV_TOKEN
    assert DEV_TOKEN not in proc.stdout + proc.stderr and ACCESS_TOKEN not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_credential_is_one_line(google) -> None:
    _fake, landing, env = google
    env = {k: v for k, v in env.items() if k != "GOOGLE_ADS_DEVELOPER_TOKEN"}
    env.pop("REVWH_CREDENTIALS_FILE", None)
    proc = _pull(landing, env)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "revwh: missing credential: set GOOGLE_ADS_DEVELOPER_TOKEN (environment or REVWH_CREDENTIALS_FILE [google_ads])"
    )


def test_pulled_spend_reaches_the_fact_table(google, tmp_path: Path) -> None:
    """The chain: `revwh pull` through the SDK, then the pipeline: fct_ad_spend_daily shows the spend."""
    from tests.landing_builder import query, run_pipeline_ok, write_table

    _fake, landing, env = google
    assert _pull(landing, env).returncode == 1  # 7778889999 is denied; the rest lands
    tables = {
        "clients": [("C1", "Alpha", "Toyota", "US", "USD", ""), ("C2", "Beta", "Honda", "CA", "CAD", "")],
        "products": [("SEARCH", "Search", "search", "media")],
        "contracts": [("K1", "C1", "SEARCH", "", "2026-10-01", ""), ("K2", "C2", "SEARCH", "", "2026-10-01", "")],
        "budget_schedule": [("K1", "2026-10-01", "3100.00"), ("K2", "2026-10-01", "3100.00")],
        "rate_card": [("SEARCH", "0", "", "0.10")],
        "fx_rates": [("2026-10-01", "CAD", "0.720000")],
    }
    for table, rows in tables.items():
        write_table(landing, table, rows)
    for table in (
        "invoices",
        "invoice_lines",
        "credit_memos",
        "payments",
        "payment_applications",
        "write_offs",
        "client_discounts",
        "oem_programs",
    ):
        write_table(landing, table, [])
    wh = tmp_path / "revwh.duckdb"
    run_pipeline_ok(landing, wh, "2026-10-15")
    spend = query(
        wh,
        "select contract_id, spend_date, campaign_id, spend, currency from marts.fct_ad_spend_daily order by 1, 2, 3",
    )
    # micros / 1e6 rounded to cents per campaign-day: 12 340 000 -> 12.34; 1 micro -> 0.00; 99 990 000 -> 99.99
    assert [(k, str(d), c, str(s), cur) for k, d, c, s, cur in spend] == [
        ("K1", "2026-10-10", "11", "12.34", "USD"),
        ("K1", "2026-10-10", "12", "0.00", "USD"),
        ("K1", "2026-10-11", "11", "5.00", "USD"),
        ("K2", "2026-10-12", "21", "99.99", "CAD"),
    ]
