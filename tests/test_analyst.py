"""What analysts use: `revwh sql` and `revwh docs`, both read-only on the published warehouse.

The warehouse is built once by the real pipeline over the spine landing (T = 2026-10-15).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.test_spine_rules import AS_OF

REVWH = str(Path(sys.executable).parent / "revwh")


def revwh(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([REVWH, *args], capture_output=True, text=True, timeout=600, input=stdin,
                          env={**os.environ})


@pytest.fixture(scope="module")
def wh(spine_cli_run: tuple) -> Path:
    """The warehouse of `revwh run` over the spine landing (tests/conftest.py, shared)."""
    _landing, warehouse, proc = spine_cli_run
    assert proc.returncode == 0, proc.stderr
    return warehouse


def test_sql_runs_one_query_read_only(wh: Path) -> None:
    # K5: 650 (Oct 8, restated) + 300 (Oct 9) + 400 (Oct 10) = 1350 of 1500 expected: exactly 0.90
    proc = revwh("sql", "select contract_id, spend_to_date, pacing_status from marts.budget_pacing"
                 " where contract_id = 'K5'", "--warehouse", str(wh), "--format", "csv")
    assert (proc.returncode, proc.stdout) == (0, "contract_id,spend_to_date,pacing_status\nK5,1350.00,on_track\n"), (
        proc.stderr)
    # read-only: a write is refused with one line, and the file is unchanged
    proc = revwh("sql", "drop table marts.budget_pacing", "--warehouse", str(wh))
    assert proc.returncode == 1
    assert proc.stderr.startswith("revwh sql: ") and "read-only" in proc.stderr and "Traceback" not in proc.stderr
    assert duckdb.connect(str(wh), read_only=True).execute("select count(*) from marts.budget_pacing").fetchone()[0] > 0


def test_sql_prompt_reads_statements_until_eof(wh: Path) -> None:
    proc = revwh("sql", "--warehouse", str(wh), "--format", "csv",
                 stdin="select count(*) as n\nfrom marts.budget_pacing;\nselect 1 as one;\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["n", "7", "one", "1"]


def test_sql_without_a_warehouse_says_what_to_do(tmp_path: Path) -> None:
    proc = revwh("sql", "select 1", "--warehouse", str(tmp_path / "none.duckdb"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"revwh: no warehouse at {tmp_path / 'none.duckdb'}: run `revwh run` (or"
                                   " `revwh demo`) first, or pass --warehouse")


def test_docs_are_generated_without_opening_the_warehouse_for_writing(wh: Path, tmp_path: Path) -> None:
    # An analyst holds a read-only connection all along: a writer would fail to open the file.
    analyst = duckdb.connect(str(wh), read_only=True)
    try:
        proc = revwh("docs", "--warehouse", str(wh), "--out", str(tmp_path / "site"), "--no-serve",
                     "--as-of", AS_OF)
        assert proc.returncode == 0, proc.stderr
        assert analyst.execute("select count(*) from marts.budget_pacing").fetchone()[0] == 7
    finally:
        analyst.close()
    assert (tmp_path / "site" / "index.html").stat().st_size > 10_000
    catalog = json.loads((tmp_path / "site" / "catalog.json").read_text())
    nodes = catalog["nodes"]
    pacing = nodes["model.revwh.budget_pacing"]
    assert "pacing_status" in {c.lower() for c in pacing["columns"]}
    assert not wh.with_name(wh.name + ".wal").exists()
