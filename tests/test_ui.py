"""`revwh ui` serves the Dagster UI on 127.0.0.1, and a real (headless Chromium) browser sees
the nightly job, the marts in it, and runs made before with `revwh run` (CLI runs are recorded
in the same Dagster instance): listed under the job and in the Overview timeline, a blocked one
tagged as such and reading as one line. The module ends by stopping `revwh ui` with SIGTERM."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (installed by .ci/run)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _render(url: str, profile: Path) -> str:
    """The DOM after the page's scripts ran, as the browser built it."""
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--virtual-time-budget=15000", "--window-size=1400,2000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=True,
    )
    return result.stdout


SYSTEMIC = Path(__file__).parent / "bad_landing" / "systemic"  # 24 of 35 effective dates as 12/01/2026


@pytest.fixture(scope="module")
def blocked_run(tmp_path_factory: pytest.TempPathFactory, spine_cli_run: tuple, spine_dagster_home: Path) -> str:
    """A `revwh run` the landing gate blocks (the spine landing plus a budget schedule with US
    dates), recorded in the spine run's Dagster home; no warehouse yet, and it stops after the
    load (no dbt). Its run id."""
    from dagster import DagsterInstance, RunsFilter

    from tests.test_spine_rules import AS_OF

    landing, _warehouse, _cli = spine_cli_run
    base = tmp_path_factory.mktemp("blocked")
    shutil.copytree(landing, base / "landing")
    shutil.copytree(SYSTEMIC, base / "landing", dirs_exist_ok=True)
    revwh = Path(sys.executable).parent / "revwh"
    proc = subprocess.run([str(revwh), "run", "--landing", str(base / "landing"), "--warehouse",
                           str(base / "revwh.duckdb"), "--as-of", AS_OF], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "DAGSTER_HOME": str(spine_dagster_home)})
    assert proc.returncode == 1 and "the run was blocked" in proc.stderr, proc.stderr
    [run] = DagsterInstance.from_config(str(spine_dagster_home)).get_runs(
        RunsFilter(tags={"revwh/warehouse": str((base / "revwh.duckdb").resolve())}))
    return run.run_id


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, spine_cli_run: tuple, spine_dagster_home: Path):
    # The UI shows the Dagster instance in which the shared `revwh run` over the spine landing was
    # recorded (tests/conftest.py); the blocked run above is added while it runs, for the tests
    # after the first three (its failed attempt then is every mart's latest event).
    _landing, warehouse, cli = spine_cli_run
    assert cli.returncode == 0, cli.stderr
    home = spine_dagster_home
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    revwh = Path(sys.executable).parent / "revwh"
    proc = subprocess.Popen([str(revwh), "ui", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{base}/server_info", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("revwh ui did not start")
            time.sleep(1)
        yield base, tmp_path_factory.mktemp("chromium"), home, warehouse, proc
    finally:
        # The last test stops revwh ui with SIGTERM and checks every process is gone; should it
        # fail, whatever is left of revwh's group (dagster dev has a group of its own) is killed.
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def test_ui_lists_the_nightly_job(ui) -> None:
    base, profile, _home, _warehouse, _proc = ui
    dom = _render(f"{base}/jobs", profile / "jobs")
    assert "revwh_nightly" in dom


def test_ui_shows_the_marts_as_assets(ui) -> None:
    base, profile, _home, _warehouse, _proc = ui
    dom = _render(f"{base}/assets/marts", profile / "assets")
    for name in ("budget_pacing", "underspend_credits", "coop_reimbursement", "fct_ad_spend_daily"):
        assert name in dom, name


def test_ui_shows_the_cli_run_and_the_materialized_marts(ui) -> None:
    from dagster import AssetKey, DagsterInstance, RunsFilter

    base, profile, home, warehouse, _proc = ui
    run = DagsterInstance.from_config(str(home)).get_runs(
        RunsFilter(tags={"revwh/warehouse": str(warehouse.resolve()), "revwh/launched_by": "cli"}))[-1]
    page = _render(f"{base}/runs/{run.run_id}", profile / "run")
    assert f"revwh_nightly | {run.run_id[:8]} [SUCCESS]" in page  # the run page of the CLI run
    instance = DagsterInstance.from_config(str(home))
    latest = instance.get_latest_materialization_event(AssetKey(["marts", "budget_pacing"]))
    pacing = _render(f"{base}/assets/marts/budget_pacing", profile / "pacing")
    assert "Never materialized" not in pacing
    assert latest.run_id[:8] in pacing  # the asset page links its latest materialization's run


def test_cli_runs_are_listed_under_the_job_and_in_the_overview_timeline(ui, blocked_run: str) -> None:
    """`revwh run` executes in-process; its runs carry the workspace job's origin, so the job's
    own runs page and the Overview timeline (which look runs up by code location) show them."""
    from dagster import DagsterInstance, RunsFilter

    base, profile, home, warehouse, _proc = ui
    good = DagsterInstance.from_config(str(home)).get_runs(
        RunsFilter(tags={"revwh/warehouse": str(warehouse.resolve()), "revwh/launched_by": "cli"}))[-1]
    runs = _render(f"{base}/locations/orchestration.pipeline.definitions/jobs/revwh_nightly/runs", profile / "job-runs")
    assert good.run_id[:8] in runs and blocked_run[:8] in runs
    timeline = _render(f"{base}/overview/activity/timeline", profile / "timeline")
    start = timeline.index('title="revwh_nightly"')
    end = timeline.find("MiddleTruncate_container", start + 1)  # the next job's row
    assert "RunTimeline_runChunk" in timeline[start: end if end > 0 else None]  # a run bar on the job's row


def test_a_blocked_run_reads_as_one_line_and_is_tagged_blocked(ui, blocked_run: str) -> None:
    """The run page says which file, line, column and rule blocked the run, in one event with no
    stack; no step is logged as abandoned with a list of its hundred inputs; the Runs list shows
    `revwh/outcome: blocked` (a failed run, a system error, says `failed`)."""
    from dagster import DagsterEventType, DagsterInstance

    base, profile, home, _warehouse, _proc = ui
    instance = DagsterInstance.from_config(str(home))
    assert instance.get_run_by_id(blocked_run).tags["revwh/outcome"] == "blocked"
    logs = instance.all_logs(blocked_run)
    [failure] = [e.dagster_event for e in logs if e.dagster_event and e.dagster_event.is_step_failure]
    error = failure.step_failure_data.error
    assert failure.step_key == "landing_gate_verdict"
    assert error.cause.cls_name == "LandingBlocked" and error.cause.stack == []  # the UI shows no stack for it
    assert failure.step_failure_data.error_source.value == "USER_CODE_ERROR"  # ... nor the wrapper's
    assert not [e for e in logs if e.user_message.startswith("Dependencies for step")]
    page = _render(f"{base}/runs/{blocked_run}", profile / "blocked")
    line = ("LandingBlocked: the landing gate blocked the run: raw/budget_schedule:"
            " contracting/budget_schedule_2026-12.csv: column effective_date fails in 24 of 35 rows")
    assert line in page
    assert "e.g. line 2 found '12/01/2026'; fix the file and run again" in page
    assert "expected a real date YYYY-MM-DD" in page  # the rule
    assert "['dbt_models'" not in page and "'load_landing_files', 'load_landing_files'" not in page
    assert "Traceback" not in page and "DagsterAssetCheckFailedError" not in page
    runs = _render(f"{base}/runs", profile / "runs")
    assert 'data-tooltip="revwh/outcome: blocked"' in runs
    assert instance.get_run_by_id(blocked_run).status.value == "FAILURE"
    assert DagsterEventType.RUN_FAILURE in {e.dagster_event.event_type for e in logs if e.dagster_event}


def test_sigterm_stops_revwh_ui_and_every_process_it_started(ui) -> None:
    """Last in the module: SIGTERM to `revwh ui` stops the webserver, the daemon and the code
    servers too (seen before: still up 40 s later)."""
    import psutil

    base, _profile, _home, _warehouse, proc = ui
    family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    assert any("webserver" in " ".join(p.cmdline()) for p in family[1:])  # the real thing is up
    os.kill(proc.pid, signal.SIGTERM)
    _gone, alive = psutil.wait_procs(family, timeout=10)
    assert alive == []
