"""Fivetran-synced and platform-UI exports of each ad platform load without hand editing, through the
loader alone (the published figures of the same files: tests/test_spreadsheet_exports.py).

Each shape's rows land under the contract's column names with the file's own line numbers; Google's
Cost in currency units becomes exact micros; a missing extracted_at is the file's modification time; a
currency in "Amount spent (USD)" is the account currency; report lines (title, date range, totals, the
copyright footer) are skipped and counted, never landed or quarantined; a shape missing a required
column is refused in one line naming what to add.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from ingest.contract import parse_number
from ingest.loader import load_landing
from tests.export_shapes import EXPORTS, SPEND

T0 = datetime(2026, 10, 14, 8, 0)
SAVED = datetime(2026, 10, 14, 9, 30, 5, tzinfo=UTC)  # the UI files' modification time


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    db = duckdb.connect()
    yield db
    db.close()


@pytest.fixture
def loaded(tmp_path: Path, con: duckdb.DuckDBPyConnection):
    for rel, text in EXPORTS.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        os.utime(path, (SAVED.timestamp(), SAVED.timestamp()))
    report = load_landing(con, tmp_path, loaded_at=T0)
    assert report.rejected == []
    return con, report


SPEND_SQL = {
    # the contract's money and micros columns, read as staging reads them (contract.parse_number)
    "google_ads": 'select customer_id, campaign_id, metrics_cost_micros from raw.google_ads',
    "meta_ads": "select account_id, campaign_id, spend from raw.meta_ads",
    "microsoft_ads": 'select "AccountId", "CampaignId", "Spend" from raw.microsoft_ads',
}


def test_every_shape_lands_its_spend_to_the_cent(loaded) -> None:
    con, _ = loaded
    got: dict[tuple[str, str, str], D] = {}
    for platform, sql in SPEND_SQL.items():
        for account, campaign, value in con.execute(sql).fetchall():
            amount = D(value) / 1_000_000 if platform == "google_ads" else parse_number(value)
            got[platform, account, campaign] = got.get((platform, account, campaign), D(0)) + amount
    # Google's micros are exact: 1234560000 / 1e6 = 1234.56; breakdown rows summed (60.72, 13.00).
    assert got == {k: D(v) for k, v in SPEND.items()}
    assert con.execute("select metrics_cost_micros from raw.google_ads where campaign_id = '771'").fetchone() == (
        "1234560000",)


def test_rows_keep_the_files_line_numbers_and_report_lines_are_counted(loaded) -> None:
    con, _ = loaded
    files = {f: rest for f, *rest in con.execute(
        "select source_file, row_count, blank_rows, report_lines, report_lines_note from raw._files").fetchall()}
    # Google UI: lines 1-2 title and date range, line 6 "Total: Account"; rows on lines 4 and 5.
    assert files["ads/google_ads/Campaign report.csv"] == [
        2, 0, 3, "lines 1-2 before the header; line 6 (Total: Account)"]
    assert con.execute("select campaign_id, _row_number from raw.google_ads"
                       " where _source_file = 'ads/google_ads/Campaign report.csv' order by 2").fetchall() == [
        ("771", 4), ("772", 5)]
    # Microsoft: lines 1-10 the report header (9 lines and an empty one), line 14 the copyright.
    assert files["ads/microsoft_ads/Campaign_Performance_Report.csv"] == [
        2, 0, 11, "lines 1-10 before the header; line 14 (©2026 Microsoft Corporation. All rights)"]
    assert [n for (n,) in con.execute(
        "select _row_number from raw.microsoft_ads where _source_file like '%Campaign_Performance%' order by 1"
    ).fetchall()] == [12, 13]
    # The Fivetran tables and Ads Manager's export have no report lines; the header is line 1.
    assert [f for f, (_, _, n, _) in files.items() if n == 0] == [
        "ads/google_ads/fivetran_campaign_stats.csv", "ads/meta_ads/Dealer-Campaigns-Oct-13-2026.csv",
        "ads/meta_ads/fivetran_campaign_report.csv",
        "ads/microsoft_ads/fivetran_campaign_performance_daily_report.csv"]
    assert con.execute("select min(_row_number) from raw.meta_ads").fetchone() == (2,)


def test_extraction_time_currency_and_ignored_columns(loaded) -> None:
    con, _ = loaded
    # Fivetran's sync time stands as written; a UI download takes the file's modification time (UTC).
    assert con.execute("select distinct _source_file, extracted_at from raw.microsoft_ads order by 1").fetchall() == [
        ("ads/microsoft_ads/Campaign_Performance_Report.csv", "2026-10-14T09:30:05Z"),
        ("ads/microsoft_ads/fivetran_campaign_performance_daily_report.csv", "2026-10-14 07:00:00")]
    # "Amount spent (USD)": the account currency of every row; "Clicks (all)" are the clicks.
    assert con.execute("select distinct account_currency, clicks from raw.meta_ads where account_id = '5005001'"
                       " and campaign_id = '120210000000002'").fetchall() == [("USD", "20")]
    extra = dict(con.execute("select source_file, extra_columns from raw._files").fetchall())
    assert extra["ads/meta_ads/Dealer-Campaigns-Oct-13-2026.csv"] == "Reporting ends, Link clicks"
    assert extra["ads/google_ads/fivetran_campaign_stats.csv"] == "_fivetran_id, ad_network_type, device"
    assert extra["ads/google_ads/Campaign report.csv"] is None


def _refused(tmp_path: Path, con: duckdb.DuckDBPyConnection, rel: str, text: str) -> list[str]:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return [r.reason for r in load_landing(con, tmp_path, loaded_at=T0).rejected]


def test_a_google_ui_report_without_customer_id_is_refused_naming_it(tmp_path: Path, con) -> None:
    reasons = _refused(tmp_path, con, "ads/google_ads/Campaign report.csv", (
        "Campaign report\n\"October 13, 2026 - October 13, 2026\"\n"
        "Day,Campaign ID,Campaign,Cost,Currency code,Impr.,Clicks\n2026-10-13,771,Brand,12.00,USD,10,1\n"))
    assert reasons == [
        "ads/google_ads/Campaign report.csv: missing column(s) customer_id (header on line 3): add it to the"
        " export (docs/landing-contract.md, Accepted export shapes)"]
    assert con.execute("select count(*) from raw.google_ads").fetchone() == (0,)


def test_fivetrans_ad_level_meta_table_is_refused_naming_what_to_join(tmp_path: Path, con) -> None:
    reasons = _refused(tmp_path, con, "ads/meta_ads/basic_ad.csv", (
        "ad_id,date,account_id,impressions,inline_link_clicks,spend\n"
        "6215293456071,2026-10-13,1700252260223815,4233,10,76.53\n"))
    assert reasons == [
        "ads/meta_ads/basic_ad.csv: missing column(s) account_currency (or currency), campaign_id; found unexpected"
        " column(s) ad_id, inline_link_clicks: add them to the export (docs/landing-contract.md, Accepted export"
        " shapes)"]


def test_a_meta_row_spanning_several_days_refuses_the_file(tmp_path: Path, con) -> None:
    reasons = _refused(tmp_path, con, "ads/meta_ads/October.csv", (
        "\ufeffReporting starts,Reporting ends,Account ID,Campaign ID,Amount spent (USD)\n"
        "2026-10-01,2026-10-01,5005001,1,10.00\n2026-10-01,2026-10-31,5005001,2,310.00\n"))
    assert reasons == ["ads/meta_ads/October.csv: line 3 covers 2026-10-01 to 2026-10-31 (Reporting starts to"
                       " Reporting ends): a row must be one day; export the report again broken down by day"]


def test_two_headers_for_one_column_are_refused(tmp_path: Path, con) -> None:
    reasons = _refused(tmp_path, con, "ads/google_ads/both.csv", (
        "date,customer_id,currency_code,id,Cost,cost_micros\n2026-10-13,1,USD,2,1.00,1000000\n"))
    assert reasons == ["ads/google_ads/both.csv: columns 'Cost' and 'cost_micros' (line 1) both give"
                       " metrics_cost_micros: keep one of them"]
