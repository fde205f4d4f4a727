"""A run works on the previous generation of the warehouse instead of a copy, and the result is
the warehouse a copy would have given (orchestration/run/working_copy.py).

From a copy of the spine run (tests/conftest.py, T = 2026-10-15), two arms share one history:
  night A   a Google re-pull restating Oct 10 lands (file X); no previous generation is kept
            yet, so the run copies; publishing keeps the spine warehouse as `.previous`
  close     `revwh close --month 2026-09` (a copy and a swap: `.previous` stays the spine one)
  night B   a re-pull restating Oct 11 lands (file Y)
In arm 1 night B renames the spine generation to its working file: it must load X again (with
night A's load time), take the close from the published warehouse and land Y. In arm 2 a reader
holds the previous generation open, so night B copies the published warehouse as before. Both
warehouses must then be equal table by table, the dbt state tables included, except what names
the run itself (its id, its recompute set).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from orchestration.run.working_copy import previous_generation
from tests.landing_builder import query, run_pipeline_ok, write_table
from tests.test_month_close import revwh
from tests.test_spine_rules import AS_OF, _g

X = "ads/google_ads/google_pull_2026-10-14.csv"
Y = "ads/google_ads/google_pull_2026-10-15.csv"
# what names the run, not the data: the publishing run, and the dbt stamps of what it recomputed
RUN_TABLES = ("_published_run",)
RUN_SUFFIXES = ("__recompute", "__recomputed_by", "__fct_recomputed_by", "__seen_batches")
# columns naming the run: the dbt invocation that staged a spend row; load times (compared apart,
# since each arm landed Y at its own time)
RUN_COLUMNS = ("_staged_by", "loaded_at", "_loaded_at")

READER = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
query = "select count(*), sum(spend) from marts.fct_ad_spend_daily"
print(con.execute(query).fetchone(), flush=True)
sys.stdin.read()
print(con.execute(query).fetchone(), flush=True)
"""


def _tables(wh: Path) -> list[tuple[str, str]]:
    return [(s, t) for s, t in query(wh, "select schema_name, table_name from duckdb_tables() order by 1, 2")
            if t not in RUN_TABLES and not t.endswith(RUN_SUFFIXES)]


@pytest.fixture(scope="module")
def arms(tmp_path_factory: pytest.TempPathFactory, spine_cli_run: tuple) -> dict[str, object]:
    landing0, wh0, proc = spine_cli_run
    assert proc.returncode == 0, proc.stderr
    base = tmp_path_factory.mktemp("generations")
    landing, wh = base / "landing", base / "one" / "revwh.duckdb"
    wh.parent.mkdir()
    shutil.copytree(landing0, landing)
    shutil.copy2(wh0, wh)
    # night A
    write_table(landing, "google_ads", [_g("2026-10-10", "2220001111", "A", 500_000_000, "2026-10-14T02:00:00Z")],
                "google_pull_2026-10-14.csv")
    run_pipeline_ok(landing, wh, AS_OF)
    previous = previous_generation(wh)
    assert previous.exists() and previous.stat().st_ino != wh.stat().st_ino
    x_loaded_at = query(wh, "select loaded_at from raw._files where source_file = ?", [X])
    done = revwh("close", "--month", "2026-09", "--warehouse", str(wh))
    assert done.returncode == 0, done.stderr
    # arm 2: the same warehouse and previous generation (copied: other inodes) in another folder
    wh2 = base / "two" / "revwh.duckdb"
    wh2.parent.mkdir()
    shutil.copy2(wh, wh2)
    shutil.copy2(previous, previous_generation(wh2))
    # night B
    write_table(landing, "google_ads", [_g("2026-10-11", "2220001111", "A", 123_450_000, "2026-10-15T02:00:00Z")],
                "google_pull_2026-10-15.csv")
    spine_inode, published_inode = previous.stat().st_ino, wh.stat().st_ino
    run_pipeline_ok(landing, wh, AS_OF)
    one = dict(published_inode=wh.stat().st_ino, previous_inode=previous.stat().st_ino)
    reader = subprocess.Popen([sys.executable, "-c", READER, str(previous_generation(wh2))],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert reader.stdout is not None and reader.stdin is not None
    seen_before = reader.stdout.readline().strip()
    held_inode = previous_generation(wh2).stat().st_ino
    wh2_inode = wh2.stat().st_ino
    try:
        run_pipeline_ok(landing, wh2, AS_OF)
    finally:
        reader.stdin.close()
        seen_after = reader.stdout.readline().strip()
        reader.wait(timeout=60)
    two = dict(published_inode=wh2.stat().st_ino, previous_inode=previous_generation(wh2).stat().st_ino,
               held_inode=held_inode, published_before=wh2_inode, seen_before=seen_before, seen_after=seen_after)
    return dict(one_wh=wh, two_wh=wh2, spine_inode=spine_inode, published_inode=published_inode, one=one, two=two,
                x_loaded_at=x_loaded_at)


def test_night_b_worked_on_the_previous_generation(arms: dict) -> None:
    one = arms["one"]
    # the spine generation, kept by night A's publish, is the file night B published (no copy)
    assert one["published_inode"] == arms["spine_inode"]
    # and night A's warehouse, which night B replaced, is the next previous generation
    assert one["previous_inode"] == arms["published_inode"]
    # X was loaded again into the older generation, with the time it first entered the warehouse
    wh = arms["one_wh"]
    assert query(wh, "select loaded_at from raw._files where source_file = ?", [X]) == arms["x_loaded_at"]
    rows_loaded_at = query(wh, "select distinct _loaded_at from raw.google_ads where _source_file = ?", [X])
    assert rows_loaded_at == arms["x_loaded_at"]
    # the close came from the published warehouse
    assert query(wh, "select month::varchar, status from closed.close_log") == [("2026-09-01", "closed")]


def test_a_reader_on_the_previous_generation_makes_the_run_copy(arms: dict) -> None:
    two = arms["two"]
    # the held file was not written: the run copied the published file (a new inode) ...
    assert two["published_inode"] not in (two["held_inode"], two["published_before"])
    # ... and the reader saw the same figures before and after the run
    assert two["seen_before"] == two["seen_after"] and two["seen_before"].startswith("(")
    # the file the run replaced is the next previous generation
    assert two["previous_inode"] == two["published_before"]


def differing_tables(one: Path, two: Path) -> tuple[list[str], int]:
    """The tables whose rows differ between two warehouses (run-naming tables and columns
    aside), and the rows compared."""
    tables = _tables(one)
    assert tables == _tables(two)
    assert ("marts", "fct_ad_spend_daily") not in tables  # a view on DuckDB: compared as one below
    differ, checked = [], 0
    con = duckdb.connect(str(one), read_only=True)
    try:
        con.execute(f"attach '{two}' as two (read_only)")
        for schema, table in tables + [("marts", "fct_ad_spend_daily")]:
            names = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_catalog = current_database()"
                " and table_schema = ? and table_name = ? order by ordinal_position", [schema, table]).fetchall()
                if c not in RUN_COLUMNS]
            cols = ", ".join(f'"{c}"' for c in names)
            a, b = f'select {cols} from "{schema}"."{table}"', f'select {cols} from two."{schema}"."{table}"'
            only_one = con.execute(f"select count(*) from ({a} except all {b})").fetchone()[0]
            only_two = con.execute(f"select count(*) from ({b} except all {a})").fetchone()[0]
            if (only_one, only_two) != (0, 0):
                differ.append(f"{schema}.{table}: {only_one} rows only in one, {only_two} only in two")
            checked += con.execute(f"select count(*) from ({a})").fetchone()[0]
    finally:
        con.close()
    return differ, checked


def test_both_arms_give_the_same_warehouse(arms: dict) -> None:
    one, two = arms["one_wh"], arms["two_wh"]
    differ, checked = differing_tables(one, two)
    assert differ == []
    assert checked > 1000  # not an empty warehouse
    # load times: every file's but Y's (each arm landed Y at its own time)
    times = "select source_file, loaded_at from raw._files where source_file <> ? order by 1"
    assert query(one, times, [Y]) == query(two, times, [Y])
    # Oct 11 restated by Y: 123,450,000 micros = 123.45
    spend = ("select spend from marts.fct_ad_spend_daily where account_id = '2220001111' and campaign_id = 'A'"
             " and spend_date = '2026-10-11'")
    assert query(one, spend) == query(two, spend) == [(D("123.45"),)]


def _generation(path: Path, model_state: str) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema raw")
    con.execute("create table raw._run_inputs as select 'f' as fingerprint, ? as model_state, 'incremental'"
                " as build_mode", [model_state])
    con.close()
    return path


def test_which_previous_generation_a_run_may_use(tmp_path: Path) -> None:
    from orchestration.run.working_copy import COPIED, _prepare_previous, start_working_file

    def unusable(previous: Path, published: Path) -> str | None:
        return _prepare_previous(previous, published)[0]

    published = _generation(tmp_path / "wh.duckdb", "models-2")
    previous = previous_generation(published)
    assert unusable(previous, published).startswith("no previous generation kept")
    _generation(previous, "models-1")  # built by other models or settings than the published one
    assert unusable(previous, published) == "the previous generation was built by other models or settings"
    previous.unlink()
    _generation(previous, "models-2")
    assert unusable(previous, published) is None
    previous.with_name(previous.name + ".wal").write_bytes(b"")
    assert unusable(previous, published) == "the previous generation has a write-ahead log beside it"
    previous.with_name(previous.name + ".wal").unlink()
    previous.unlink()
    previous.hardlink_to(published)  # a publish cut between its link and its rename
    assert unusable(previous, published) == "the previous generation is the published file itself"
    # start_working_file then copies, and leaves the published file as it was
    building = published.with_name(published.name + ".building")
    started = start_working_file(published, building, reuse_previous=True)
    assert started.how == COPIED and started.why.endswith("the previous generation is the published file itself")
    assert not previous.exists() and building.stat().st_ino != published.stat().st_ino
    assert query(published, "select model_state from raw._run_inputs") == [("models-2",)]


def test_a_warehouse_named_published_can_use_its_previous_generation(tmp_path: Path) -> None:
    # DuckDB names a file's database after its name up to the first dot: `published.duckdb.previous`
    # is database `published`, which must not clash with the alias the published file is attached as
    from orchestration.run.working_copy import CAUGHT_UP, start_working_file

    published = _generation(tmp_path / "published.duckdb", "models-2")
    _generation(previous_generation(published), "models-2")
    started = start_working_file(published, published.with_name("published.duckdb.building"), reuse_previous=True)
    assert started.how == CAUGHT_UP and started.earlier_loads == {}
