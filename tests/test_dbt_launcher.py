"""dbt sees every run's working copy under one constant path (orchestration/run/dbt_launcher.py and
orchestration/engines/duckdb.py point_dbt_at), so a run over another warehouse keeps dbt's partial parsing: about
7 s of full parse saved per run (docs/DECISIONS.md, Operations)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.engines.duckdb import point_dbt_at
from orchestration.pipeline.dbt_assets import dbt_resource
from orchestration.run.dbt_launcher import DBT_DATABASE_FILE, RUN_DIR_ENV
from orchestration.settings import DBT_PROJECT_DIR

LAUNCHER = str(Path(sys.executable).parent / "revwh-dbt")


def _warehouse(path: Path, value: int) -> Path:
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as con:
        con.execute(f"create schema raw; create table raw.t as select {value} as x")
    return path


def _show(warehouse: Path, target: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[dict], list[str]]:
    """`dbt show` through the launcher, as the dbt asset starts it: (rows, dbt's parse messages)."""
    run_dir = warehouse.parent / ".revwh-dbt-test"
    run_dir.mkdir()
    with monkeypatch.context() as env:
        for name in (RUN_DIR_ENV, "REVWH_DBT_DUCKDB_PATH"):
            env.setenv(name, os.environ.get(name, ""))  # restored afterwards
        point_dbt_at(warehouse, run_dir, dbt_resource().dbt_executable)
        assert os.environ["REVWH_DBT_DUCKDB_PATH"] == DBT_DATABASE_FILE
        done = subprocess.run(
            [LAUNCHER, "show", "--inline", "select current_database() as db, (select max(x) from raw.t) as x",
             "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
             "--target-path", str(target), "--output", "json", "--log-format", "json"],
            capture_output=True, text=True, timeout=300, env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        )
    shutil.rmtree(run_dir)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    rows = [row for e in events if e["info"]["name"] == "ShowNode" for row in json.loads(e["data"]["preview"])]
    parse = [e["info"]["msg"] for e in events if e["info"]["name"] == "UnableToPartialParse"]
    return rows, parse


def test_another_warehouse_is_read_through_the_constant_path_without_a_full_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _warehouse(tmp_path / "one" / "alpha.duckdb.building", 7)
    second = _warehouse(tmp_path / "two" / "beta.duckdb.building", 11)
    target = tmp_path / "target"

    rows, _ = _show(first, target, monkeypatch)  # a full parse: nothing saved yet
    assert rows == [{"db": "revwh_building", "x": 7}]  # the linked file's data, under the constant name
    rows, parse = _show(second, target, monkeypatch)
    assert rows == [{"db": "revwh_building", "x": 11}]
    assert parse == []  # with the real paths dbt says "Unable to do partial parsing because profile has changed"
    # nothing left beside the warehouses but the files themselves
    assert sorted(p.name for p in second.parent.iterdir()) == ["beta.duckdb.building"]


def test_without_a_link_dbt_gets_the_real_path_and_no_stale_run_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an earlier run in this process left its (since removed) run directory in the environment
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path / "removed"))
    monkeypatch.setenv("REVWH_DBT_DUCKDB_PATH", "")
    missing = tmp_path / "never.duckdb.building"  # no file: no hard link can be made
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    point_dbt_at(missing, run_dir, dbt_resource().dbt_executable)
    assert os.environ["REVWH_DBT_DUCKDB_PATH"] == str(missing)
    assert RUN_DIR_ENV not in os.environ  # else the launcher would chdir into a removed directory


def test_a_killed_runs_directory_is_removed_by_the_next_run_of_that_warehouse_only(tmp_path: Path) -> None:
    from orchestration.run.dbt_launcher import remove_stale_run_dirs, run_dir_prefix

    mine, other = tmp_path / "revwh.duckdb.building", tmp_path / "other.duckdb.building"
    for building in (mine, other):
        building.write_bytes(b"x")
        (tmp_path / (run_dir_prefix(building) + "killed")).mkdir()
        os.link(building, tmp_path / (run_dir_prefix(building) + "killed") / DBT_DATABASE_FILE)
    remove_stale_run_dirs(mine)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".other.duckdb.building.dbt-killed", "other.duckdb.building", "revwh.duckdb.building"]
