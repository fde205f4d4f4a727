"""The ad-spend base models build incrementally, and give row for row what a full build gives.

Continues the session's spine warehouse (tests/conftest.py) with one night that exercises every
way the kept rows can change: a new pull restating an account-day and adding a new one, a pull
file replaced by a shorter version of itself, a removed file, a coverage file that covers an
account-day with no rows (its earlier spend is superseded), a new file with a bad row, an ad
account mapped for the first time and a restated FX rate (int_ad_spend and fct_ad_spend_daily
recompute the account-days these touch, macros/ad_spend_increment.sql). The night runs
incrementally; a copy of its warehouse is then rebuilt with --rebuild (a full refresh over the
same raw rows), and the two must agree on every base row, int_ad_spend and every spend mart.
"""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest

from tests.landing_builder import query, run_pipeline_ok, write_table
from tests.test_spine_rules import AS_OF, _g, _m, _ms

BASES = ("staging.base_google_ads__google_ads", "staging.base_meta_ads__meta_ads",
         "staging.base_microsoft_ads__microsoft_ads", "intermediate.int_ad_spend")
# which dbt build judged a base row: differs between an incremental and a full build by design
BUILD_MARKERS = ("_staged_by",)
MARTS = ("marts.fct_ad_spend_daily", "marts.budget_pacing", "marts.underspend_credits",
         "marts.data_exceptions", "marts.landing_audit")


def _rows(wh: Path, relation: str) -> list[tuple]:
    columns = [c for (c,) in query(wh, "select column_name from information_schema.columns"
                                       " where table_schema || '.' || table_name = ? order by ordinal_position",
                                   [relation]) if c not in BUILD_MARKERS]
    return sorted(query(wh, f"select {', '.join(columns)} from {relation}"), key=repr)


def _write_coverage(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["platform", "account_id", "start_date", "end_date", "extracted_at"])
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory, spine_cli_run: tuple) -> dict[str, Path]:
    landing0, wh0, proc = spine_cli_run
    assert proc.returncode == 0, proc.stderr
    base = tmp_path_factory.mktemp("incremental")
    landing, wh, full = base / "landing", base / "revwh.duckdb", base / "full.duckdb"
    shutil.copytree(landing0, landing)
    shutil.copy2(wh0, wh)
    # 1. A new Google pull: restates Oct 9 for 2220001111 (A 300.00 -> 320.00), adds Oct 11 (A 90.00)
    #    and carries one bad row (negative cost: quarantined).
    write_table(landing, "google_ads", [
        _g("2026-10-09", "2220001111", "A", 320_000_000, "2026-10-13T02:00:00Z"),
        _g("2026-10-11", "2220001111", "A", 90_000_000, "2026-10-13T02:00:00Z"),
        _g("2026-10-11", "2220001111", "C", -5, "2026-10-13T02:00:00Z"),
    ], "google_pull_2026-10-13.csv")
    # 2. The Oct 12 pull replaced by a shorter version: only Oct 8 A 650.00 is left, so Oct 10
    #    (400.00, from that file alone) is gone.
    write_table(landing, "google_ads", [
        _g("2026-10-08", "2220001111", "A", 650_000_000, "2026-10-12T02:00:00Z"),
    ], "google_pull_2026-10-12.csv")
    # 3. The Microsoft file removed (888 Oct 7 1,650.00 and 999 Sep 12 2,500.00) and a new one
    #    landed with 888 Oct 7 alone: 999 Sep 12 leaves the warehouse.
    (landing / "ads/microsoft_ads/microsoft_ads_2026-10-16.csv").unlink()
    write_table(landing, "microsoft_ads", [_ms("2026-10-07", "888", "9", "1650.00")], "microsoft_ads_2026-10-17.csv")
    # 4. A Meta pull covering 666 on Oct 5 with no rows: its 1,349.99 is superseded (zero spend);
    #    the same pull restates 777 on Oct 6 (1,650.01 -> 1,600.00).
    write_table(landing, "meta_ads", [_m("2026-10-06", "777", "8", "1600.00", "2026-10-17T02:00:00Z")],
                "meta_ads_2026-10-17.csv")
    _write_coverage(landing / "ads/meta_ads/meta_ads_2026-10-17.coverage.csv", [
        {"platform": "meta_ads", "account_id": "666", "start_date": "2026-10-05", "end_date": "2026-10-06",
         "extracted_at": "2026-10-17T02:00:00Z"},
        {"platform": "meta_ads", "account_id": "777", "start_date": "2026-10-05", "end_date": "2026-10-06",
         "extracted_at": "2026-10-17T02:00:00Z"},
    ])
    # 5. Account 5550001111 (Oct 2, 12.34, unmapped until now) is mapped to K4 (client C3, USD).
    write_table(landing, "ad_accounts", [{"platform": "google_ads", "account_id": "5550001111", "contract_id": "K4"}],
                "ad_accounts_2026-10-17.csv")
    # 6. September's CAD rate restated 0.74 -> 0.80: Meta 999's USD 200.00 on Sep 15 for K2 (a CAD
    #    client) becomes 200.00 x 1 / 0.80 = 250.00 CAD (was 200 / 0.74 = 270.27).
    write_table(landing, "fx_rates", [{"rate_date": "2026-09-01", "currency": "CAD", "usd_per_unit": "0.800000"}],
                "fx_rates_2026-10-17.csv")
    run_pipeline_ok(landing, wh, AS_OF, allow_shrink=True)
    shutil.copy2(wh, full)
    run_pipeline_ok(landing, full, AS_OF, rebuild=True, allow_shrink=True)
    return {"incremental": wh, "full": full, "first": wh0}


def test_the_night_was_built_incrementally_and_the_rebuild_fully(night: dict[str, Path]) -> None:
    assert query(night["first"], "select build_mode from raw._run_inputs") == [("full",)]  # an empty warehouse
    assert query(night["incremental"], "select build_mode from raw._run_inputs") == [("incremental",)]
    assert query(night["full"], "select build_mode from raw._run_inputs") == [("full",)]


@pytest.mark.parametrize("relation", BASES + MARTS)
def test_incremental_equals_full_build(night: dict[str, Path], relation: str) -> None:
    incremental, full = _rows(night["incremental"], relation), _rows(night["full"], relation)
    assert incremental, f"{relation} is empty"
    assert incremental == full


def test_the_night_recomputed_only_the_account_days_it_touched(night: dict[str, Path]) -> None:
    recomputed = query(night["incremental"], "select platform, account_id, cast(spend_date as varchar)"
                                              " from intermediate.int_ad_spend__recompute order by 1, 2, 3")
    assert recomputed == [
        ("google_ads", "2220001111", "2026-10-08"),  # 2: restated by the replaced pull
        ("google_ads", "2220001111", "2026-10-09"),  # 1: restated by the new pull
        ("google_ads", "2220001111", "2026-10-10"),  # 2: only in the replaced file's old version
        ("google_ads", "2220001111", "2026-10-11"),  # 1: new day
        ("google_ads", "5550001111", "2026-10-02"),  # 5: newly mapped
        ("meta_ads", "666", "2026-10-05"),  # 4: covered with no rows
        ("meta_ads", "777", "2026-10-06"),  # 4: restated
        ("meta_ads", "999", "2026-09-15"),  # 6: its client's currency has a restated rate that day
        ("microsoft_ads", "888", "2026-10-07"),  # 3: removed file, landed again
        ("microsoft_ads", "999", "2026-09-12"),  # 3: removed file
    ]
    # the full rebuild recomputed every account-day it holds
    full_days = query(night["full"], "select count(*) from (select distinct platform, account_id, spend_date"
                                     " from intermediate.int_ad_spend) _d")[0][0]
    assert full_days > len(recomputed)
    assert query(night["full"], "select count(*) from intermediate.int_ad_spend__recompute") == [(full_days,)]


def _spend(wh: Path, account: str, day: str) -> D | None:
    rows = query(wh, "select sum(spend) from marts.fct_ad_spend_daily where account_id = ? and spend_date = ?",
                 [account, day])
    return rows[0][0]


def test_the_night_changed_exactly_what_it_landed(night: dict[str, Path]) -> None:
    wh = night["incremental"]
    assert _spend(wh, "2220001111", "2026-10-09") == D("320.00")  # restated 300.00 -> 320.00
    assert _spend(wh, "2220001111", "2026-10-11") == D("90.00")  # new day
    assert _spend(wh, "2220001111", "2026-10-10") is None  # only in the replaced file's old version
    assert _spend(wh, "2220001111", "2026-10-08") == D("650.00")  # kept: 650.00 (B vanished earlier)
    assert _spend(wh, "666", "2026-10-05") is None  # covered by a later pull with no rows
    assert _spend(wh, "777", "2026-10-06") == D("1600.00")
    assert _spend(wh, "1112223333", "2026-10-01") == D("100.00")  # untouched file, untouched day
    assert _spend(wh, "999", "2026-09-12") is None  # its file removed
    assert _spend(wh, "888", "2026-10-07") == D("1650.00")
    assert query(wh, "select contract_id, client_id, spend from marts.fct_ad_spend_daily"
                     " where account_id = '5550001111'") == [("K4", "C3", D("12.34"))]  # newly mapped
    assert query(wh, "select spend, currency, spend_usd from marts.fct_ad_spend_daily"
                     " where platform = 'meta_ads' and account_id = '999' and spend_date = '2026-09-15'"
                 ) == [(D("250.00"), "CAD", D("200.00"))]  # 200.00 / 0.80
    assert query(wh, "select _source_file from staging.base_microsoft_ads__microsoft_ads") == [
        ("ads/microsoft_ads/microsoft_ads_2026-10-17.csv",)]
    # The bad row is quarantined with its file, row and reason; the row before it is not.
    assert query(wh, "select _row_number, _reason_column from staging.base_google_ads__google_ads "
                     "where _status = 'quarantined' and _source_file like '%google_pull_2026-10-13.csv'"
                 ) == [(3, "metrics_cost_micros")]
    # data_exceptions carries each reported row as landed: the quarantined row's record from its
    # base model, an unattributed valid row's (999 on Oct 21, after K2 ended) from raw.meta_ads
    records = dict(query(wh, "select exception_type, record from marts.data_exceptions where (source_file like"
                             " '%google_pull_2026-10-13.csv' and row_number = 3) or (source = 'meta_ads' and"
                             " exception_type = 'spend_outside_contract')"))
    assert json.loads(records["quarantined_row"]) == {
        "segments_date": "2026-10-11", "customer_id": "2220001111", "customer_currency_code": "USD",
        "customer_time_zone": "America/New_York", "campaign_id": "C", "campaign_name": "Campaign C",
        "metrics_cost_micros": "-5", "metrics_impressions": "100", "metrics_clicks": "5",
        "extracted_at": "2026-10-13T02:00:00Z"}
    assert json.loads(records["spend_outside_contract"])["date_start"] == "2026-10-21"
    assert json.loads(records["spend_outside_contract"])["spend"] == "10.00"
    assert query(wh, "select count(*) from staging.base_google_ads__google_ads where _record is not null"
                 ) == [(1,)]  # valid rows keep no copy of themselves
    # Every landed row of the three tables is in its base model exactly once.
    for table, base in zip(("google_ads", "meta_ads", "microsoft_ads"), BASES[:3], strict=True):
        landed = query(wh, f"select count(*) from raw.{table}")[0][0]
        assert query(wh, f"select count(*), count(distinct (_source_file, _row_number)) from {base}"
                     ) == [(landed, landed)]
