"""Safe to operate: one writer, no silent wipes, a plausible as-of date, clear failures, readers
never disturbed, every CLI run recorded in the Dagster instance the UI shows.

Each test drives the real `revwh` command (a subprocess, as a user would) over the small landing
of tests/test_spine_rules.py (T = 2026-10-15).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from tests.landing_builder import query
from tests.test_spine_rules import AS_OF

REVWH = str(Path(sys.executable).parent / "revwh")


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([REVWH, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "REVWH_PROGRESS": "1"})


def revwh(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([REVWH, *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "REVWH_PROGRESS": "1"})


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_args(landing: Path, wh: Path, *extra: str) -> list[str]:
    return ["run", "--landing", str(landing), "--warehouse", str(wh), "--as-of", AS_OF, *extra]


@pytest.fixture(scope="module")
def published(spine_cli_run: tuple) -> tuple[Path, Path]:
    """A landing directory and the warehouse of one good `revwh run` over it (tests/conftest.py)."""
    landing, wh, proc = spine_cli_run
    assert proc.returncode == 0, proc.stderr
    return landing, wh


def test_two_runs_started_together_one_writes_the_other_is_refused_and_readers_never_fail(
    published, tmp_path: Path
) -> None:
    """Two `revwh run` over the same warehouse at once while an analyst's process keeps querying it:
    one run writes, the other is refused at once, and the reader never sees an error or a half-built
    warehouse, then sees the new figures. (One scenario: each part needs a full run.)"""
    landing0, good = published
    landing, wh = tmp_path / "landing", tmp_path / "revwh.duckdb"
    shutil.copytree(landing0, landing)
    shutil.copy2(good, wh)
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", f"""
import duckdb, pathlib, time
ok = failed = 0
stop = pathlib.Path({str(stop)!r})
while not stop.exists():
    try:
        con = duckdb.connect({str(wh)!r}, read_only=True)
        con.execute('select count(*) from marts.budget_pacing').fetchone()
        con.close()
        ok += 1
    except Exception as exc:
        failed += 1
        print(type(exc).__name__, exc)
    time.sleep(0.05)
print('ok', ok, 'failed', failed)
"""], stdout=subprocess.PIPE, text=True)
    # a new budget row for K6 from Oct 16: new figures
    (landing / "contracting" / "budget_schedule_2026-10.csv").write_text(
        "contract_id,effective_date,monthly_amount\nK6,2026-10-16,6200.00\n")
    first, second = start(*run_args(landing, wh)), start(*run_args(landing, wh))
    outs = [p.communicate(timeout=600) for p in (first, second)]
    time.sleep(0.5)
    stop.touch()
    out, _ = reader.communicate(timeout=60)
    codes = sorted(p.returncode for p in (first, second))
    assert codes == [0, 1], outs
    refused = next(err for (_out, err), p in zip(outs, (first, second), strict=True) if p.returncode == 1)
    assert f"another run is writing {wh.resolve()} (started " in refused and ", pid " in refused
    assert "Traceback" not in refused
    last = out.strip().splitlines()[-1]
    assert last.startswith("ok ") and last.endswith(" failed 0"), out
    assert int(last.split()[1]) > 10
    # The warehouse is complete: every mart of the single good run, rebuilt with the new figures
    sql = "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
    assert query(wh, sql) == query(good, sql)
    assert query(wh, "select count(*) from raw._published_run where run_id is not null") == [(1,)]
    # K6 3100 x 15 / 31 + 6200 x 16 / 31 = 1500 + 3200 = 4700.00 (3100.00 in the good run)
    assert query(good, "select billable_media from marts.budget_pacing where contract_id = 'K6'") == [(D("3100.00"),)]
    assert query(wh, "select billable_media from marts.budget_pacing where contract_id = 'K6'") == [(D("4700.00"),)]
    assert not wh.with_name(wh.name + ".building").exists()


def test_a_removed_folder_or_a_shrunk_source_is_blocked_unless_allowed(published, tmp_path: Path) -> None:
    landing0, good = published
    landing, wh = tmp_path / "landing", tmp_path / "revwh.duckdb"
    shutil.copytree(landing0, landing)
    shutil.copy2(good, wh)
    before = digest(wh)
    # One run, two losses, each named by its own check:
    # the whole accounting/ folder is gone: credit_memos had 1 file, 3 rows;
    # google_ads: removing google_pull_2026-10-10.csv (3 of 8 rows) loses 37.5% > 20%
    shutil.rmtree(landing / "accounting")
    (landing / "ads" / "google_ads" / "google_pull_2026-10-10.csv").unlink()
    blocked = revwh(*run_args(landing, wh))
    assert blocked.returncode == 1, blocked.stderr
    assert "revwh: the run was blocked; the published warehouse was not changed." in blocked.stderr
    assert ("check raw/credit_memos landing_gate failed: credit_memos: the landing directory has no loaded file"
            " of this table any more (the published warehouse has 1 file(s), 3 rows)") in blocked.stderr
    assert ("google_ads: 5 rows landed against 8 in the published warehouse (38% fewer, more than the 20%"
            " allowed)") in blocked.stderr
    assert digest(wh) == before
    shutil.copytree(landing0 / "accounting", landing / "accounting")
    # confirmed by the user: published, the removed file's rows gone
    allowed = revwh(*run_args(landing, wh, "--allow-shrink"))
    assert allowed.returncode == 0, allowed.stderr
    assert query(wh, "select count(*) from raw.google_ads") == [(5,)]


def test_refusals_before_anything_starts(published, tmp_path: Path) -> None:
    landing, good = published
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = revwh("run", "--landing", str(empty), "--warehouse", str(tmp_path / "w.duckdb"), "--as-of", AS_OF)
    assert (proc.returncode, proc.stderr.strip()) == (
        2, f"revwh: landing directory {empty} holds no files: nothing to build a warehouse from")
    proc = revwh("run", "--landing", str(landing), "--warehouse", str(good), "--as-of", "2099-01-01")
    assert proc.returncode == 2
    assert "as-of date 2099-01-01 is after today" in proc.stderr
    proc = revwh("run", "--landing", str(landing), "--warehouse", str(tmp_path), "--as-of", AS_OF)
    assert (proc.returncode, proc.stderr.strip()) == (
        2, f"revwh: warehouse path {tmp_path} is a directory: give a file name, e.g. {tmp_path}/revwh.duckdb")


def test_a_future_as_of_date_is_refused_by_the_job_itself(published, tmp_path: Path) -> None:
    """Runs launched from the UI get the same guard: the first step fails, it is not 'blocked'."""
    from orchestration.run.runner import run_pipeline

    landing, _good = published
    outcome = run_pipeline(landing, tmp_path / "w.duckdb", "2099-01-01")
    assert (outcome.success, outcome.blocked) == (False, False)
    assert outcome.failures[0].startswith("step load_landing_files failed: as-of date 2099-01-01 is after today")
    assert not (tmp_path / "w.duckdb").exists()


def test_cli_runs_are_recorded_in_the_dagster_instance(published, spine_dagster_home: Path) -> None:
    from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

    _landing, wh = published
    instance = DagsterInstance.from_config(str(spine_dagster_home))  # the DAGSTER_HOME the run was given
    runs = instance.get_runs(RunsFilter(tags={"revwh/warehouse": str(wh.resolve())}))
    first = runs[-1]  # newest first: the fixture's run is the oldest for this warehouse
    assert first.status == DagsterRunStatus.SUCCESS and first.tags["revwh/as_of"] == AS_OF
    published_events = [
        e.dagster_event.event_specific_data.materialization
        for e in instance.all_logs(first.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
        if e.dagster_event.event_specific_data.materialization.asset_key == AssetKey("published_warehouse")
    ]
    meta = published_events[0].metadata
    assert meta["as_of"].value == AS_OF
    # K1, K2, K4, K5, K6, K7, K8: the spine landing's media contracts active in October
    assert meta["mart_rows"].value["budget_pacing"] == 7 == query(wh, "select count(*) from marts.budget_pacing")[0][0]
    assert "Rows landed per source" in meta["summary"].value


def test_ctrl_c_says_interrupted_and_leaves_nothing_half_built(published, tmp_path: Path) -> None:
    import signal

    landing, _good = published
    wh = tmp_path / "revwh.duckdb"
    # start_new_session: SIGINT goes to the whole process group, as a terminal's Ctrl-C does
    proc = subprocess.Popen([REVWH, *run_args(landing, wh)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "REVWH_PROGRESS": "1"}, start_new_session=True)
    seen = ""
    while "dbt: 20 models and tests done" not in seen:  # dbt is building the models
        line = proc.stderr.readline()
        assert line, seen
        seen += line
    os.killpg(proc.pid, signal.SIGINT)
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, seen + err
    assert err.strip().endswith("revwh: interrupted; the published warehouse was not changed.")
    assert "Traceback" not in seen + err
    assert not wh.exists() and not wh.with_name(wh.name + ".building").exists()
    assert not list(tmp_path.glob(".revwh.duckdb.building.dbt-*"))  # nor dbt's run directory with its link


def test_a_pull_that_skipped_every_platform_is_a_warning_not_green(published, tmp_path: Path, monkeypatch) -> None:
    from dagster import DagsterEventType, DagsterInstance

    from orchestration.pipeline.instance import dagster_home
    from orchestration.run.runner import run_pipeline
    from orchestration.run.summary import run_summary

    landing, good = published
    for name in ("GOOGLE_ADS_DEVELOPER_TOKEN", "META_ACCESS_TOKEN", "MSADS_DEVELOPER_TOKEN", "REVWH_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    wh = tmp_path / "revwh.duckdb"
    shutil.copy2(good, wh)  # a pull that fetched nothing adds no file: the rest of the run has nothing new
    outcome = run_pipeline(landing, wh, AS_OF, pull_ad_platforms=True)
    assert outcome.success, outcome.failures
    assert outcome.unchanged
    checks = [
        e.dagster_event.event_specific_data
        for e in DagsterInstance.from_config(str(dagster_home())).all_logs(
            outcome.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
        if e.dagster_event.event_specific_data.check_name == "platforms_pulled"
    ]
    assert [(c.passed, c.severity.value) for c in checks] == [(False, "WARN")]
    assert checks[0].description.startswith("every platform was skipped: google_ads skipped: no credentials")
    # T far after the latest landed spend day (Oct 21 in this landing): a warning in the summary
    lines = run_summary(wh, date(2026, 10, 30)).splitlines()
    assert lines[0] == ("Warning: as-of date 2026-10-30 is 9 days after the latest landed spend day (2026-10-21);"
                        " spend since then is missing, so pacing and delivered media are understated")
    assert not run_summary(wh, date(2026, 10, 24)).startswith("Warning")  # 3 days: no warning
