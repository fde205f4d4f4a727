"""`revwh run --target spark`: the same marts on Spark (pyspark in local mode inside dbt),
published by pointing the views of `marts` at the run's own database.

The hand-computed spine scenario of tests/test_spine_rules.py is built on Spark and every mart
must equal, row by row and to the cent (numbers compared by their text, scale included), the
DuckDB warehouse the shared spine run built from the same landing (conftest.spine_cli_run). A
second night (a replaced spend file, a removed file, a new one) is checked the same way against
DuckDB building the same night, which exercises the Parquet export of changed tables only.
Spark's marts are read from their Parquet files through DuckDB (orchestration/engines/spark/warehouse.py),
the reader the reports use; the dbt unit tests (every rule's hand-computed edge cases, the finance
scenarios' included) run on Spark itself, beside the second night.

Needs Java 17+ (pyspark 4); .ci/run installs Debian's default-jre-headless when java is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.engines.spark.warehouse import open_reader, read_published
from tests.conftest import REVWH
from tests.test_postgres_target import (
    _assert_same_marts,
    _close_september_then_restate_it,
    _mart_rows_duckdb,
    assert_same_reports,
    mart_rows_of,
)
from tests.test_spine_rules import AS_OF

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _java() -> None:
    if shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("Java is not installed on CI: .ci/run installs Debian's default-jre-headless")
        pytest.skip("Java is not installed (pyspark needs Java 17 or later)")


def _run(landing: Path, store: Path, spark_dir: Path, tmp: Path, *extra: str,
         target: str = "spark") -> subprocess.CompletedProcess:
    return _finish(_start(landing, store, spark_dir, tmp, *extra, target=target))


def _start(landing: Path, store: Path, spark_dir: Path, tmp: Path, *extra: str, target: str = "spark",
           as_of: str = AS_OF) -> tuple[subprocess.Popen, Path]:
    """`revwh run` started in the background, its output in files under `tmp` (no pipe to fill)."""
    env = {**os.environ, "REVWH_SPARK_DIR": str(spark_dir), "DAGSTER_HOME": str(tmp / "dagster_home"),
           "REVWH_PROGRESS": "1"}
    args = [REVWH, "run", "--landing", str(landing), "--warehouse", str(store), "--as-of", as_of,
            "--target", target, *extra]
    tmp.mkdir(parents=True, exist_ok=True)
    out = tmp / f"run-{len(list(tmp.glob('run-*.out')))}"
    with open(f"{out}.out", "w") as stdout, open(f"{out}.err", "w") as stderr:
        return subprocess.Popen(args, stdout=stdout, stderr=stderr, text=True, env=env), out


def _finish(started: tuple[subprocess.Popen, Path], timeout: float = 1500) -> subprocess.CompletedProcess:
    proc, out = started
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, Path(f"{out}.out").read_text(),
                                       Path(f"{out}.err").read_text())


def _mart_rows_spark(spark_dir: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    return mart_rows_of(open_reader(spark_dir))  # Spark's published Parquet files, through DuckDB


def _versions(spark_dir: Path) -> list[str]:
    return sorted(p.name[: -len(".db")] for p in (spark_dir / "spark-warehouse").glob("marts__r*.db"))


@pytest.fixture(scope="module")
def first_night(spine_cli_run: tuple, tmp_path_factory: pytest.TempPathFactory):
    """The spine landing built on Spark, then the dbt unit tests started on a copy of its
    metastore and warehouse (they read the parents' column types from the tables the build made)
    so they run beside the second night instead of after it: a Spark process waits on its JVM and
    metastore far more than it computes (the spine's build: 64 s of CPU in 150 s).

    The finance scenarios of tests/test_finance_marts.py are not built on Spark: their rules are
    dbt unit tests, which run on Spark here, and the engine's path (load, export, build, publish)
    is the spine's. Two more Spark builds cost a third of the suite's time."""
    _java()
    landing, duck_warehouse, duck_result = spine_cli_run
    assert duck_result.returncode == 0, duck_result.stderr[-2000:]
    tmp = tmp_path_factory.mktemp("spark_target")
    shutil.copytree(landing, tmp / "landing")
    result = _run(tmp / "landing", tmp / "store.duckdb", tmp / "spark", tmp)
    units = None
    if result.returncode == 0:
        units = _start_unit_tests(tmp / "spark", tmp_path_factory.mktemp("spark_units"))
    yield tmp, duck_warehouse, result, units
    if units is not None and units[0].poll() is None:
        units[0].kill()
        units[0].wait()


def _start_unit_tests(spark_dir: Path, work: Path) -> tuple[subprocess.Popen, Path]:
    """`dbt test --select test_type:unit --target spark` in the background, on a copy of the
    first night's Spark folder (the embedded Derby metastore admits one JVM at a time)."""
    from orchestration.run.dbt_manifest import dbt_executable
    from orchestration.settings import DBT_PROJECT_DIR

    shutil.copytree(spark_dir / "metastore_db", work / "spark" / "metastore_db")
    shutil.copytree(spark_dir / "spark-warehouse", work / "spark" / "spark-warehouse")
    env = {**os.environ, "REVWH_SPARK_DIR": str(work / "spark"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    for internal in ("REVWH_DBT_AS_OF", "REVWH_DBT_MARTS_SCHEMA", "REVWH_SPARK_RAW_TABLES"):
        env.pop(internal, None)
    args = [dbt_executable(), "test", "--select", "test_type:unit", "--exclude", "tag:not_on_spark",
            "--target", "spark", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(work / "target"), "--vars", json.dumps({"as_of": AS_OF})]
    with open(work / "dbt.out", "w") as stdout:
        proc = subprocess.Popen(args, cwd=DBT_PROJECT_DIR, env=env, stdout=stdout, stderr=subprocess.STDOUT,
                                text=True)
    return proc, work


def test_every_mart_equals_duckdbs(first_night: tuple) -> None:
    tmp, duck_warehouse, result, _units = first_night
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Warehouse: Spark {tmp / 'spark'}" in result.stdout
    duck, spark = _mart_rows_duckdb(duck_warehouse), _mart_rows_spark(tmp / "spark")
    assert len(duck) == 33  # the marts, ledger tie-out, invoice run and the three dimensions included
    _assert_same_marts(duck, spark)
    # Not an empty agreement: the spine's hand values are there on Spark too
    # (tests/test_spine_rules.py: C1's October search budget 3,100.00, billable to T 1,500.00).
    con = open_reader(tmp / "spark")
    assert con.execute("select count(*) from marts.budget_pacing").fetchone()[0] > 0
    assert con.execute("select count(*) from marts.fct_ad_spend_daily").fetchone()[0] > 0
    con.close()
    record = read_published(tmp / "spark")
    assert record is not None and _versions(tmp / "spark") == [record["schema"]]
    assert record["as_of"] == AS_OF and record["fingerprint"]


def test_money_is_decimal_in_sparks_tables(first_night: tuple) -> None:
    """No mart column is a float in Spark's files: money stays DECIMAL end to end."""
    tmp, _, _, _ = first_night
    con = open_reader(tmp / "spark")
    floats = con.execute("select table_name, column_name from information_schema.columns where table_schema = 'marts'"
                         " and data_type in ('FLOAT', 'DOUBLE')").fetchall()
    credit_due = con.execute("select data_type from information_schema.columns where table_schema = 'marts'"
                             " and table_name = 'underspend_credits' and column_name = 'credit_due'").fetchone()
    con.close()
    assert floats == []
    assert credit_due is not None and credit_due[0].startswith("DECIMAL(") and credit_due[0].endswith(",2)")


def test_reports_from_spark_equal_duckdbs(first_night: tuple) -> None:
    """The billing reports written from Spark's marts are DuckDB's: the CSVs byte for byte, the
    workbooks cell for cell, the statements' text page for page; also through `revwh report`."""
    tmp, duck_warehouse, _, _ = first_night
    duck_dir = duck_warehouse.parent / "reports"
    assert_same_reports(tmp / "reports", duck_dir)
    again = subprocess.run([REVWH, "report", "--warehouse", str(tmp / "store.duckdb"), "--target", "spark",
                            "--out", str(tmp / "reports_cli")], capture_output=True, text=True,
                           env={**os.environ, "REVWH_SPARK_DIR": str(tmp / "spark")})
    assert again.returncode == 0, again.stderr
    assert f"from Spark {tmp / 'spark'}" in again.stderr
    name = f"underspend-credit-run-{AS_OF}.csv"
    assert (tmp / "reports_cli" / name).read_bytes() == (duck_dir / name).read_bytes()


def test_a_rerun_with_nothing_new_skips(first_night: tuple) -> None:
    tmp, _, _, _ = first_night
    again = _run(tmp / "landing", tmp / "store.duckdb", tmp / "spark", tmp)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "Nothing changed since the published warehouse was built" in again.stdout


def _second_night(landing: Path) -> None:
    from tests.test_postgres_target import _second_night as same_night

    same_night(landing)


def test_second_night_equals_duckdbs(first_night: tuple, tmp_path: Path) -> None:
    tmp, duck_warehouse, _, _ = first_night
    before = read_published(tmp / "spark")
    assert before is not None
    stamps = {p: p.stat().st_mtime_ns for p in (tmp / "spark" / "landing").rglob("data.parquet")}
    shutil.copy2(duck_warehouse, tmp_path / "revwh.duckdb")
    _close_september_then_restate_it(tmp / "landing", [(tmp / "store.duckdb", "spark"),
                                                       (tmp_path / "revwh.duckdb", "duckdb")],
                                     {**os.environ, "REVWH_SPARK_DIR": str(tmp / "spark"),
                                      "DAGSTER_HOME": str(tmp / "dagster_home")})
    _second_night(tmp / "landing")
    # the two builds of the night side by side (each its own warehouse and Dagster home)
    spark_night = _start(tmp / "landing", tmp / "store.duckdb", tmp / "spark", tmp, "--allow-shrink")
    duck_night = _start(tmp / "landing", tmp_path / "revwh.duckdb", tmp_path / "unused", tmp_path, "--allow-shrink",
                        target="duckdb")
    result, duck_result = _finish(spark_night), _finish(duck_night)
    assert result.returncode == 0, result.stderr[-3000:]
    assert duck_result.returncode == 0, duck_result.stderr[-3000:]
    duck = _mart_rows_duckdb(tmp_path / "revwh.duckdb")
    assert len(duck["post_close_adjustments"][1]) > 0  # the restated September, against the close
    _assert_same_marts(duck, _mart_rows_spark(tmp / "spark"))
    # The new version is published, the one it replaced is kept (a query may still read it), no other.
    after = read_published(tmp / "spark")
    assert after is not None and after["schema"] != before["schema"]
    assert _versions(tmp / "spark") == sorted([before["schema"], after["schema"]])
    # Nothing doubled: every landed row of the store is in Spark's tables once, the removed file's gone.
    store = duckdb.connect(str(tmp / "store.duckdb"), read_only=True)
    spark = open_reader(tmp / "spark")
    for table in ("google_ads", "invoices", "meta_ads"):
        (expected,) = store.execute(f"select count(*) from raw.{table}").fetchone()
        assert spark.execute(f"select count(*), count(distinct (_source_file, _row_number)) from raw.{table}"
                             ).fetchone() == (expected, expected), table
    assert spark.execute("select count(*) from raw.google_ads where _source_file like '%google_pull_2026-10-10.csv'"
                         ).fetchone()[0] == 0
    assert spark.execute("select count(*) from raw.invoices where invoice_id = 'INV-K9'").fetchone()[0] == 1
    # the close, made in the store from the marts Spark served, exported to Spark with the landed tables
    assert spark.execute("select count(*) from closed.figures where month = date '2026-09-01'").fetchone()[0] > 0
    assert spark.execute("select distinct close_run_id from marts.post_close_adjustments").fetchall() == [
        (before["run_id"],)]
    store.close()
    spark.close()
    # Only the tables whose rows changed were rewritten (meta_ads, for one, was not).
    rewritten = {p.parent.name for p, stamp in stamps.items() if p.exists() and p.stat().st_mtime_ns != stamp}
    assert {"google_ads", "invoices", "_files", "figures", "close_log"} <= rewritten
    assert "meta_ads" not in rewritten and "contracts" not in rewritten


def test_dbt_unit_tests_pass_on_spark(first_night: tuple) -> None:
    """The rules' edge cases (the `unit_tests:` of the models' yml, computed by hand) on Spark
    itself, started by the fixture beside the second night; last in the module so the wait is
    for what is left of them."""
    _tmp, _, _, units = first_night
    assert units is not None, "the first night failed"
    proc, work = units
    try:
        proc.wait(1500)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    output = (work / "dbt.out").read_text()
    assert proc.returncode == 0, output[-6000:]
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    units_run = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(units_run) >= 25 and all(r["status"] == "pass" for r in units_run), [
        (r["unique_id"], r["status"]) for r in units_run]
