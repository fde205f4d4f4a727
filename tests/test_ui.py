"""`revwh ui` serves the Dagster UI on 127.0.0.1, and a real (headless Chromium) browser sees
the nightly job, the marts in it, and a run made before with `revwh run` (CLI runs are recorded
in the same Dagster instance)."""

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


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, spine_cli_run: tuple, spine_dagster_home: Path):
    # The UI shows the Dagster instance in which the shared `revwh run` over the spine landing was
    # recorded (tests/conftest.py).
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
        yield base, tmp_path_factory.mktemp("chromium"), home, warehouse
    finally:
        # `kill` of revwh ui is passed on to `dagster dev` (tests/test_cli.py checks the passing on);
        # dagster dev gives its webserver and daemon up to 60 s each to stop, more than a test
        # should wait on a loaded machine, so whatever is left of the group is then killed.
        os.kill(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def test_ui_lists_the_nightly_job(ui) -> None:
    base, profile, _home, _warehouse = ui
    dom = _render(f"{base}/jobs", profile / "jobs")
    assert "revwh_nightly" in dom


def test_ui_shows_the_marts_as_assets(ui) -> None:
    base, profile, _home, _warehouse = ui
    dom = _render(f"{base}/assets/marts", profile / "assets")
    for name in ("budget_pacing", "underspend_credits", "coop_reimbursement", "fct_ad_spend_daily"):
        assert name in dom, name


def test_ui_shows_the_cli_run_and_the_materialized_marts(ui) -> None:
    from dagster import AssetKey, DagsterInstance, RunsFilter

    base, profile, home, warehouse = ui
    run = DagsterInstance.from_config(str(home)).get_runs(
        RunsFilter(tags={"revwh/warehouse": str(warehouse.resolve()), "revwh/launched_by": "cli"}))[-1]
    page = _render(f"{base}/runs/{run.run_id}", profile / "run")
    assert f"revwh_nightly | {run.run_id[:8]} [SUCCESS]" in page  # the run page of the CLI run
    instance = DagsterInstance.from_config(str(home))
    latest = instance.get_latest_materialization_event(AssetKey(["marts", "budget_pacing"]))
    pacing = _render(f"{base}/assets/marts/budget_pacing", profile / "pacing")
    assert "Never materialized" not in pacing
    assert latest.run_id[:8] in pacing  # the asset page links its latest materialization's run
