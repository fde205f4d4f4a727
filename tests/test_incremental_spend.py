"""The ad-spend base models, the spend tables and the contract-day backbone build incrementally,
and give row for row what a full build gives.

Continues the session's spine warehouse (tests/conftest.py) with one night that exercises every
way the kept rows can change: a new pull restating an account-day and adding a new one, a pull
file replaced by a shorter version of itself, a removed file, a coverage file that covers an
account-day with no rows (its earlier spend is superseded), a new file with a bad row, an ad
account mapped for the first time and a restated FX rate (int_ad_spend and fct_ad_spend_daily
recompute the account-days these touch, macros/ad_spend_increment.sql). A second night lands no
spend but withdraws a mapping, moves a contract's start, adds a budget row, changes a client's
currency and restates a rate (int_contract_days recomputes the contracts these touch,
macros/contract_days_increment.sql). Each night runs incrementally; a copy of its warehouse is
then rebuilt with --rebuild (a full refresh over the same raw rows), and the two must agree on
every base row, the intermediate tables and the marts built from them.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from ingest.contract import TABLES_BY_NAME
from orchestration.run.dbt_manifest import dbt_executable
from orchestration.settings import DBT_PROJECT_DIR
from tests.landing_builder import query, run_pipeline_ok, write_table
from tests.test_spine_rules import AS_OF, _g, _m, _ms

BASES = ("staging.base_google_ads__google_ads", "staging.base_meta_ads__meta_ads",
         "staging.base_microsoft_ads__microsoft_ads", "intermediate.int_ad_spend", "intermediate.int_contract_days",
         "intermediate.int_contract_months")
# which dbt build judged a base row: differs between an incremental and a full build by design
BUILD_MARKERS = ("_staged_by",)
MARTS = ("marts.fct_ad_spend_daily", "marts.budget_pacing", "marts.underspend_credits",
         "marts.revenue_recognition", "marts.weekly_flash", "marts.data_exceptions", "marts.landing_audit")


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


def _build_both_ways(landing: Path, wh: Path, full: Path) -> None:
    """The night incrementally on `wh`; then a copy of that warehouse rebuilt whole (`--rebuild`,
    a full refresh over the same raw rows) as `full`."""
    run_pipeline_ok(landing, wh, AS_OF, allow_shrink=True)
    shutil.copy2(wh, full)
    run_pipeline_ok(landing, full, AS_OF, rebuild=True, allow_shrink=True)


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
    #    The new file also brings 888's first spend billed in CAD: Oct 8, 100.00 CAD for K8 (a USD
    #    client) = 100.00 x 0.72 = 72.00 USD.
    write_table(landing, "microsoft_ads", [
        _ms("2026-10-07", "888", "9", "1650.00"), {**_ms("2026-10-08", "888", "9", "100.00"), "CurrencyCode": "CAD"},
    ], "microsoft_ads_2026-10-17.csv")
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
    _build_both_ways(landing, wh, full)
    return {"incremental": wh, "full": full, "first": wh0, "landing": landing}


@pytest.fixture(scope="module")
def second_night(tmp_path_factory: pytest.TempPathFactory, night: dict[str, Path]) -> dict[str, Path]:
    """A second incremental night on top of the first: no spend lands, but mappings, contracts,
    budgets, a client's currency and a rate change under spend already in the warehouse."""
    base = tmp_path_factory.mktemp("incremental2")
    landing, wh, full = base / "landing", base / "revwh.duckdb", base / "full.duckdb"
    shutil.copytree(night["landing"], landing)
    shutil.copy2(night["incremental"], wh)
    # a. The first night's mapping of 5550001111 to K4 is withdrawn: Oct 2 is unmapped again.
    (landing / "contracting/ad_accounts_2026-10-17.csv").unlink()
    # b. K7 (meta 777) starts on Oct 7 instead of Oct 1: 777's Oct 6 falls outside the contract.
    write_table(landing, "contracts", [{"contract_id": "K7", "client_id": "C4", "product_code": "SEARCH",
                                        "program_code": "HCOOP", "start_date": "2026-10-07"}],
                "contracts_2026-10-18.csv")
    # c. K6's budget rises to 4000.00 from Oct 16 (no spend depends on it).
    write_table(landing, "budget_schedule", [{"contract_id": "K6", "effective_date": "2026-10-16",
                                              "monthly_amount": "4000.00"}], "budget_schedule_2026-10-18.csv")
    # d. Client C1 (K1: google 1112223333; K3) is billed in CAD from now on.
    write_table(landing, "clients", [{"client_id": "C1", "client_name": "Alpha Toyota", "oem": "Toyota",
                                      "country": "US", "currency": "CAD", "billing_email": "a@example.com"}],
                "clients_2026-10-18.csv")
    # e. October's CAD rate restated 0.72 -> 0.75.
    write_table(landing, "fx_rates", [{"rate_date": "2026-10-01", "currency": "CAD", "usd_per_unit": "0.750000"}],
                "fx_rates_2026-10-18.csv")
    _build_both_ways(landing, wh, full)
    return {"incremental": wh, "full": full}


def test_the_night_was_built_incrementally_and_the_rebuild_fully(night: dict[str, Path],
                                                                  second_night: dict[str, Path]) -> None:
    assert query(night["first"], "select build_mode from raw._run_inputs") == [("full",)]  # an empty warehouse
    for built in (night, second_night):
        assert query(built["incremental"], "select build_mode from raw._run_inputs") == [("incremental",)]
        assert query(built["full"], "select build_mode from raw._run_inputs") == [("full",)]


@pytest.mark.parametrize("which", ["night", "second_night"])
@pytest.mark.parametrize("relation", BASES + MARTS)
def test_incremental_equals_full_build(request: pytest.FixtureRequest, which: str, relation: str) -> None:
    built = request.getfixturevalue(which)
    incremental, full = _rows(built["incremental"], relation), _rows(built["full"], relation)
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
        ("microsoft_ads", "888", "2026-10-08"),  # 3: new day, in CAD
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
    assert query(wh, "select distinct _source_file from staging.base_microsoft_ads__microsoft_ads") == [
        ("ads/microsoft_ads/microsoft_ads_2026-10-17.csv",)]
    assert query(wh, "select spend, currency, account_spend, account_currency from marts.fct_ad_spend_daily"
                     " where account_id = '888' and spend_date = '2026-10-08'"
                 ) == [(D("72.00"), "USD", D("100.00"), "CAD")]  # 100.00 CAD x 0.72
    # The bad row is quarantined with its file, row and reason; the row before it is not.
    assert query(wh, "select _row_number, _reason_column from staging.base_google_ads__google_ads "
                     "where _status = 'quarantined' and _source_file like '%google_pull_2026-10-13.csv'"
                 ) == [(4, "metrics_cost_micros")]  # line 4: the third data row
    # data_exceptions carries each reported row as landed: the quarantined row's record from its
    # base model, an unattributed valid row's (999 on Oct 21, after K2 ended) from raw.meta_ads
    records = dict(query(wh, "select exception_type, record from marts.data_exceptions where (source_file like"
                             " '%google_pull_2026-10-13.csv' and line_number = 4) or (source = 'meta_ads' and"
                             " exception_type = 'spend_outside_contract')"))
    assert json.loads(records["quarantined_row"]) == {
        "segments_date": "2026-10-11", "customer_id": "2220001111", "customer_currency_code": "USD",
        "customer_time_zone": "America/New_York", "campaign_id": "C", "campaign_name": "Campaign C",
        "metrics_cost_micros": "-5", "metrics_impressions": "100", "metrics_clicks": "5",
        "extracted_at": "2026-10-13T02:00:00Z"}
    # filled in by the base model's post-hook (record_quarantined_rows) in the contract's order
    assert list(json.loads(records["quarantined_row"])) == list(TABLES_BY_NAME["google_ads"].columns)
    # the contract's columns in its order, as the base models' records (landed_columns())
    assert list(json.loads(records["spend_outside_contract"])) == list(TABLES_BY_NAME["meta_ads"].columns)
    assert json.loads(records["spend_outside_contract"])["date_start"] == "2026-10-21"
    assert json.loads(records["spend_outside_contract"])["spend"] == "10.00"
    assert query(wh, "select count(*) from staging.base_google_ads__google_ads where _record is not null"
                 ) == [(1,)]  # valid rows keep no copy of themselves
    # Every landed row of the three tables is in its base model exactly once.
    for table, base in zip(("google_ads", "meta_ads", "microsoft_ads"), BASES[:3], strict=True):
        landed = query(wh, f"select count(*) from raw.{table}")[0][0]
        assert query(wh, f"select count(*), count(distinct (_source_file, _row_number)) from {base}"
                     ) == [(landed, landed)]


def test_the_first_night_recomputed_no_contract(night: dict[str, Path]) -> None:
    # nothing under a contract's days changed on the first night (its rate restatement is spend's)
    assert query(night["incremental"], "select count(*) from intermediate.int_contract_days__recompute") == [(0,)]
    # the full rebuild recomputed all nine contracts (K1..K9 all start before the horizon)
    assert query(night["full"], "select count(*) from intermediate.int_contract_days__recompute") == [(9,)]


def test_the_second_night_recomputed_what_changed_under_the_spend(second_night: dict[str, Path]) -> None:
    wh = second_night["incremental"]
    assert query(wh, "select platform, account_id, cast(spend_date as varchar)"
                     " from intermediate.int_ad_spend__recompute order by 1, 2, 3") == [
        ("google_ads", "1112223333", "2026-10-01"),  # d: its client's currency changed
        ("google_ads", "1112223333", "2026-10-02"),  # d
        ("google_ads", "5550001111", "2026-10-02"),  # a: mapping withdrawn
        ("meta_ads", "777", "2026-10-06"),  # b: its contract's start moved
        ("meta_ads", "999", "2026-10-21"),  # e: CAD is its client's currency (K2, C2), October's rate restated
        ("microsoft_ads", "888", "2026-10-08"),  # e: billed in CAD, October's rate restated
    ]
    assert query(wh, "select contract_id from intermediate.int_contract_days__recompute order by 1") == [
        ("K1",), ("K3",),  # d: the client's currency is part of every contract-day
        ("K6",),  # c: new budget row
        ("K7",),  # b: new start date
    ]
    # d and e: 100.00 / 0.75 = 133.333 -> 133.33 CAD; 50.50 / 0.75 = 67.333 -> 67.33 CAD
    assert query(wh, "select cast(spend_date as varchar), spend, currency, spend_usd from marts.fct_ad_spend_daily"
                     " where account_id = '1112223333' order by 1") == [
        ("2026-10-01", D("133.33"), "CAD", D("100.00")), ("2026-10-02", D("67.33"), "CAD", D("50.50"))]
    # e: 100.00 CAD x 0.75 = 75.00 USD
    assert query(wh, "select spend, spend_usd from marts.fct_ad_spend_daily where account_id = '888'"
                     " and spend_date = '2026-10-08'") == [(D("75.00"), D("75.00"))]
    assert query(wh, "select is_mapped, contract_id from marts.fct_ad_spend_daily"
                     " where account_id = '5550001111'") == [(False, None)]  # a
    assert query(wh, "select is_contract_active from marts.fct_ad_spend_daily"
                     " where account_id = '777'") == [(False,)]  # b
    # b: K7's first day is Oct 7; c: K6's amount is 3100.00 to Oct 15 and 4000.00 from Oct 16
    assert query(wh, "select cast(min(day) as varchar) from intermediate.int_contract_days where contract_id = 'K7'"
                 ) == [("2026-10-07",)]
    assert query(wh, "select cast(day as varchar), monthly_amount from intermediate.int_contract_days"
                     " where contract_id = 'K6' and day between '2026-10-15' and '2026-10-16' order by 1") == [
        ("2026-10-15", D("3100.00")), ("2026-10-16", D("4000.00"))]


def _dbt(wh: Path, *args: str) -> subprocess.CompletedProcess:
    """dbt itself on a warehouse file, as a developer would run it by hand."""
    env = {**os.environ, "REVWH_DBT_DUCKDB_PATH": str(wh), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    env.pop("REVWH_DBT_AS_OF", None)  # left by a pipeline run in this process; T goes in as the var
    return subprocess.run(
        [dbt_executable(), *args, "--exclude-resource-type", "unit_test",
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(wh.parent / "target"), "--vars", json.dumps({"as_of": AS_OF})],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600, check=False,
    )


def test_the_fact_is_a_view_of_int_ad_spend_on_duckdb(second_night: dict[str, Path]) -> None:
    """On DuckDB fct_ad_spend_daily is a view over int_ad_spend: no copy of 8.8 M rows to keep in
    step with it, so nothing a partial dbt build does can leave it behind."""
    for built in (second_night["incremental"], second_night["full"]):
        assert query(built, "select table_type from information_schema.tables"
                            " where table_schema = 'marts' and table_name = 'fct_ad_spend_daily'") == [("VIEW",)]
        # every row of int_ad_spend, once: 2220001111 on Oct 9 (320.00 since the first night) among them
        assert query(built, "select count(*) from marts.fct_ad_spend_daily") == query(
            built, "select count(*) from intermediate.int_ad_spend")
        assert _spend(built, "2220001111", "2026-10-09") == D("320.00")


def test_a_build_tests_the_rows_it_recomputed_and_dbt_test_the_whole_table(
        tmp_path: Path, second_night: dict[str, Path]) -> None:
    """In a build that recomputed R only, the tests of the incremental tables read R's rows
    (macros/test_scope.sql); `dbt test` on its own reads every row."""
    wh = tmp_path / "revwh.duckdb"
    shutil.copy2(second_night["incremental"], wh)
    # a duplicate of a row outside R, made by hand: 2220001111, Oct 9 (the fact shows it: a view)
    with duckdb.connect(str(wh)) as con:
        con.execute("insert into intermediate.int_ad_spend select * from intermediate.int_ad_spend"
                    " where account_id = '2220001111' and spend_date = '2026-10-09'")
    # nothing changed since the second night: R is empty, and so is what the uniqueness test reads
    built = _dbt(wh, "build", "--select", "int_ad_spend", "fct_ad_spend_daily")
    assert built.returncode == 0, built.stdout[-3000:]
    assert query(wh, "select count(*) from intermediate.int_ad_spend__recompute") == [(0,)]
    assert query(wh, "select count(*) from marts.fct_ad_spend_daily where account_id = '2220001111'"
                     " and spend_date = '2026-10-09'") == [(2,)]
    tested = _dbt(wh, "test", "--select", "fct_ad_spend_daily")
    assert tested.returncode == 1
    assert "FAIL 1 unique_combination_fct_ad_spend_daily_platform__account_id__campaign_id__spend_date" in tested.stdout
