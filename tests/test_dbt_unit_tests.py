"""dbt unit tests (the `unit_tests:` blocks in the models' yml): rule edge cases computed by hand,
without a pipeline run.

dbt needs the models' parents to exist to know their column types, so the project is first
built empty (`dbt run --empty`) on a scratch DuckDB whose raw tables the loader creates; then
`dbt test --select test_type:unit` runs every unit test. The nightly build excludes them.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb

from ingest.loader import ensure_raw_schema
from orchestration.close.month_close import ensure_closed_schema
from orchestration.run.dbt_manifest import dbt_executable
from orchestration.settings import DBT_PROJECT_DIR


def _dbt(*args: str, db: Path, target: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "REVWH_DBT_DUCKDB_PATH": str(db), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    env.pop("REVWH_DBT_AS_OF", None)  # left by a pipeline run in this process; unit tests set T as a var
    return subprocess.run(
        [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target), "--vars", json.dumps({"as_of": "2026-10-15"})],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=900, check=False,
    )


def test_every_dbt_unit_test_passes(tmp_path: Path) -> None:
    db = tmp_path / "unit.duckdb"
    con = duckdb.connect(str(db))
    ensure_raw_schema(con)
    ensure_closed_schema(con)
    con.close()
    built = _dbt("run", "--empty", db=db, target=tmp_path / "target")
    assert built.returncode == 0, built.stdout[-3000:]
    tested = _dbt("test", "--select", "test_type:unit", db=db, target=tmp_path / "target")
    assert tested.returncode == 0, tested.stdout[-6000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    # the unit tests' results (not the on-run-start hook's, an operation that succeeds)
    results = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(results) >= 8
    names = {r["unique_id"].split(".")[-1] for r in results if r["status"] == "pass"}
    # the edge cases the rules are known by: fail loudly if one is dropped
    assert {
        "budget_pacing_status_at_the_thresholds",
        "ar_aging_bucket_bounds",
        "margin_pct_rounds_half_away_from_zero",
        "billable_amount_prorates_and_rounds_half_away_from_zero",
        "fee_tier_bounds_and_discount_window",
        "fx_day_without_a_rate_uses_the_latest_earlier",
        "collections_pairs_unapplied_cash_one_to_one",
        "client_counts_new_reactivated_and_churned",
    } <= names, names
    assert all(r["status"] == "pass" for r in results)
