"""SQL lint (sqlfluff with the dbt templater) over the models and singular tests, run as a test
so it shares the suite's two workers instead of running alone before it (about 70 s of one core
on this machine). `make lint` runs the same command directly. Python lint (ruff) stays before
the suite: it takes a second."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_sqlfluff_finds_nothing(tmp_path: Path) -> None:
    sqlfluff = Path(sys.executable).parent / "sqlfluff"
    env = {**os.environ, "REVWH_DBT_DUCKDB_PATH": str(tmp_path / "sqlfluff.duckdb"),
           # dbt's partial-parse file and compiled SQL go to a scratch folder, not dbt_project/target,
           # which other tests' dbt processes read while this runs
           "DBT_TARGET_PATH": str(tmp_path / "target")}
    linted = subprocess.run([str(sqlfluff), "lint", "dbt_project/models", "dbt_project/tests"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=1200)
    assert linted.returncode == 0, linted.stdout[-8000:] + linted.stderr[-2000:]
    assert "All Finished" in linted.stdout + linted.stderr
    assert not (ROOT / "dbt_project" / "target" / "sqlfluff.duckdb").exists()
