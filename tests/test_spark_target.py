"""`revwh run --target spark`: the same marts on Spark (pyspark in local mode inside dbt),
published by pointing the views of `marts` at the run's own database.

The hand-computed spine scenario of tests/test_spine_rules.py is built on Spark once, and every
mart must equal, row by row and to the cent (numbers compared by their text, scale included), the
DuckDB warehouse the shared spine run built from the same landing (conftest.spine_cli_run).
Spark's marts are read from their Parquet files through DuckDB (orchestration/engines/spark/warehouse.py),
the reader the reports use; the dbt unit tests (every rule's hand-computed edge cases, the finance
scenarios' and the post-close adjustments' included) run on Spark itself, beside the later tests.

What a second night adds on Spark is tested without a second build (a Spark build of the spine
costs 264 s of CPU, a sixth of the suite's): a close made from Spark's marts freezes DuckDB's
figures; the next export rewrites only the tables whose rows changed, close included; a publish
keeps the version it replaces and drops a half-built one. The build of a
second night is the first night's build (same models, same export, same publish).

Needs Java 17+ (pyspark 4); .ci/run installs Debian's default-jre-headless when java is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
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
    so they run beside the module's other tests instead of after them.

    The finance scenarios of tests/test_finance_marts.py are not built on Spark: their rules are
    dbt unit tests, which run on Spark here, and the engine's path (load, export, build, publish)
    is the spine's."""
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


def test_a_close_from_sparks_marts_freezes_duckdbs_figures(first_night: tuple, tmp_path: Path) -> None:
    """September closed on the Spark store (`revwh close --target spark`, prepared and approved)
    freezes, from the marts Spark served, the figures a close of the DuckDB warehouse freezes."""
    tmp, duck_warehouse, _, _ = first_night
    shutil.copy2(duck_warehouse, tmp_path / "revwh.duckdb")
    _close_september_then_restate_it(tmp / "landing", [(tmp / "store.duckdb", "spark"),
                                                       (tmp_path / "revwh.duckdb", "duckdb")],
                                     {**os.environ, "REVWH_SPARK_DIR": str(tmp / "spark"),
                                      "DAGSTER_HOME": str(tmp / "dagster_home")})
    frozen = "select * exclude (close_id) from closed.figures order by all"
    with duckdb.connect(str(tmp / "store.duckdb"), read_only=True) as store, \
            duckdb.connect(str(tmp_path / "revwh.duckdb"), read_only=True) as duck:
        spark_figures, duck_figures = store.execute(frozen).fetchall(), duck.execute(frozen).fetchall()
        approved = store.execute("select month, closed_by, approved_by from closed.close_log").fetchall()
    assert len(duck_figures) > 0 and spark_figures == duck_figures
    assert [(str(m), by, ok) for m, by, ok in approved] == [("2026-09-01", "pat", "sam")]


def test_the_next_export_rewrites_only_the_tables_that_changed(first_night: tuple) -> None:
    """The next night's Parquet export for Spark (ingest/spark_raw.py), without a Spark build: a
    second night's files (a replaced spend file, a removed one, a new invoice file, QuickBooks'
    balances) and the close above loaded into the store, then exported over the first night's
    files. Only the tables whose rows changed are rewritten, every landed row is in Spark's files
    once, the removed file's rows are gone, and the close reaches Spark with the landed tables.
    (The Spark build of such a night is the first night's build: same models, same publish.)"""
    from ingest.loader import load_landing
    from ingest.spark_raw import export_raw
    from orchestration.settings import run_timestamp
    from tests.test_postgres_target import _second_night

    tmp, _, _, _ = first_night
    spark_dir = tmp / "spark"
    stamps = {p: p.stat().st_mtime_ns for p in (spark_dir / "landing").rglob("data.parquet")}
    _second_night(tmp / "landing")
    store = duckdb.connect(str(tmp / "store.duckdb"))
    try:
        load_landing(store, tmp / "landing", loaded_at=run_timestamp())
        report = export_raw(store, spark_dir)
        expected = {t: store.execute(f"select count(*) from raw.{t}").fetchone()[0]
                    for t in ("google_ads", "invoices", "meta_ads")}
    finally:
        store.close()
    assert {"raw.google_ads", "raw.invoices", "raw._files", "closed.figures", "closed.close_log"} <= set(
        report.written)
    assert "raw.meta_ads" not in report.written and "raw.contracts" not in report.written
    rewritten = {p.parent.name for p, stamp in stamps.items() if p.exists() and p.stat().st_mtime_ns != stamp}
    assert "meta_ads" not in rewritten and "google_ads" in rewritten
    spark = open_reader(spark_dir)
    try:
        for table, rows in expected.items():  # nothing doubled: each landed row once
            assert spark.execute(f"select count(*), count(distinct (_source_file, _row_number)) from raw.{table}"
                                 ).fetchone() == (rows, rows), table
        assert spark.execute("select count(*) from raw.google_ads where _source_file like"
                             " '%google_pull_2026-10-10.csv'").fetchone()[0] == 0
        assert spark.execute("select count(*) from raw.invoices where invoice_id in ('INV-K9', 'INV-S9')"
                             ).fetchone()[0] == 2
        assert spark.execute("select count(*) from closed.figures where month = date '2026-09-01'").fetchone()[0] > 0
    finally:
        spark.close()


# Spark itself, in a JVM of its own (the embedded metastore admits one at a time), the session
# configured as dbt-spark's session method configures it (dbt_project/profiles.yml): two versions
# beside the published one, a half-built one (a run that failed before publishing leaves it) and a
# complete one whose budget_pacing has a single row. (Reading Spark's views back would cost a
# third JVM, about 50 s of CPU; the views are the publish macro's, run by the first night too.)
_SPARK = """
import sys
from pyspark.sql import SparkSession
spark_dir, published, half, new = sys.argv[1:5]
spark = (SparkSession.builder.enableHiveSupport().master("local[1]")
         .config("spark.sql.warehouse.dir", f"{spark_dir}/spark-warehouse")
         .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                 f"jdbc:derby:;databaseName={spark_dir}/metastore_db;create=true")
         .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={spark_dir}")
         .config("spark.ui.enabled", "false").getOrCreate())
tables = [r.tableName for r in spark.sql(f"show tables in {published}").collect() if not r.isTemporary]
spark.sql(f"create database {half}")
spark.sql(f"create table {half}.budget_pacing using parquet as select * from {published}.budget_pacing")
spark.sql(f"create database {new}")
for table in tables:
    keep = " limit 1" if table == "budget_pacing" else ""
    spark.sql(f"create table {new}.`{table}` using parquet as select * from {published}.`{table}`{keep}")
spark.stop()
"""


def _spark(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-c", _SPARK, *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_a_publish_keeps_the_version_it_replaces_and_drops_older_ones(first_night: tuple) -> None:
    """Publishing a run's version (orchestration/engines/spark/warehouse.py, the dbt run-operation
    of macros/spark_publish.sql) points every view of `marts` at it, keeps the version it replaced
    (a query started before may still read it) and drops any other, such as the half-built version
    of a run that failed before publishing; published.json names the new one, which revwh's
    readers then read."""
    from datetime import date

    from orchestration.engines.spark.warehouse import publish, version_schema

    tmp, _, _, _ = first_night
    spark_dir = tmp / "spark"
    before = read_published(spark_dir)
    assert before is not None
    half, new_run = version_schema("feedbeef-0001"), "feedbeef-0002-0000-0000-000000000000"
    new = version_schema(new_run)
    _spark(str(spark_dir), before["schema"], half, new)
    assert _versions(spark_dir) == sorted([before["schema"], half, new])
    publish(spark_dir, new_run, date.fromisoformat(AS_OF), "fingerprint-of-the-new-run", None)
    assert _versions(spark_dir) == sorted([before["schema"], new])  # the half-built one dropped
    after = read_published(spark_dir)
    assert after is not None and after["schema"] == new and after["run_id"] == new_run
    reader = open_reader(spark_dir)  # what the reports and the summary read now: the new version's rows
    try:
        assert reader.execute("select count(*) from marts.budget_pacing").fetchone()[0] == 1
        assert reader.execute("select count(*) from marts.fct_ad_spend_daily").fetchone()[0] > 1
    finally:
        reader.close()


def test_dbt_unit_tests_pass_on_spark(first_night: tuple) -> None:
    """The rules' edge cases (the `unit_tests:` of the models' yml, computed by hand) on Spark
    itself, started by the fixture beside the module's other tests; last in the module so the
    wait is for what is left of them."""
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
