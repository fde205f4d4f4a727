"""The `revwh` command line as a user meets it: summary on success, short errors, no
tracebacks, and a blocked run that leaves the last good warehouse untouched."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.landing_builder import query
from tests.test_spine_rules import AS_OF

REVWH = str(Path(sys.executable).parent / "revwh")


def revwh(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([REVWH, *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "REVWH_PROGRESS": "1"})


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def good_run(spine_cli_run: tuple) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """`revwh run` over the spine landing (tests/conftest.py, shared by the modules that read it)."""
    return spine_cli_run


def test_run_prints_summary(good_run) -> None:
    _landing, wh, proc = good_run
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Rows landed per source" in out
    assert "contracts                 1 files          9 rows" in out
    assert "Marts built" in out and "budget_pacing" in out
    assert "Exceptions: 5" in out
    assert f"duckdb -readonly {wh}" in out
    assert "loading landing files" in proc.stderr  # progress on the long steps
    assert "Traceback" not in proc.stderr + out


def test_blocked_run_keeps_last_good_warehouse(good_run, tmp_path: Path) -> None:
    landing0, wh0, proc = good_run
    assert proc.returncode == 0
    landing, wh = tmp_path / "landing", tmp_path / "revwh.duckdb"  # copies: the shared run is read-only
    shutil.copytree(landing0, landing)
    shutil.copy2(wh0, wh)
    before = digest(wh)
    (landing / "contracting" / "contracts_2026-10.csv").write_text("contract_id,client_id\nK1,C1\n")
    blocked = revwh("run", "--landing", str(landing), "--warehouse", str(wh), "--as-of", AS_OF)
    assert blocked.returncode == 1
    assert "the run was blocked; the published warehouse was not changed" in blocked.stderr
    assert ("check raw/contracts landing_gate failed: contracting/contracts_2026-10.csv: missing column(s)"
            " product_code, program_code, start_date, end_date") in blocked.stderr
    assert "Traceback" not in blocked.stderr + blocked.stdout
    assert digest(wh) == before
    assert not wh.with_name(wh.name + ".building").exists()
    # and it is still queryable
    assert query(wh, "select count(*) from marts.budget_pacing") == [(7,)]


@pytest.mark.parametrize(("args", "message"), [
    (["run", "--landing", "nowhere", "--warehouse", "x.duckdb", "--as-of", "2026-10-15"],
     "revwh: landing directory not found: nowhere"),
    (["run", "--landing", ".", "--warehouse", "x.duckdb", "--as-of", "2026-02-30"],
     "expected a date YYYY-MM-DD, got '2026-02-30'"),
    (["run", "--landing", ".", "--warehouse", "x.duckdb", "--as-of", "2026-10-15", "--memory-limit", "2G"],
     "argument --memory-limit: expected a size such as 2GB or 1500MB, got '2G'"),
])
def test_user_mistakes_get_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    proc = subprocess.run([REVWH, *args], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_dbt_runtime_error_is_shown_with_its_cause() -> None:
    from orchestration.run.failures import dbt_failures as _dbt_failures

    log = (
        "\x1b[31mRuntime Error in model ar_aging (models/marts/finance/ar_aging.sql)\x1b[0m\n"
        "\n"
        "  More than one row returned by a subquery used as an expression\n"
        "Done. PASS=3 WARN=0 ERROR=1 SKIP=2 TOTAL=6\n"
    )
    assert _dbt_failures(log) == [
        "dbt: Runtime Error in model ar_aging (models/marts/finance/ar_aging.sql):"
        " More than one row returned by a subquery used as an expression"
    ]


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_killed_revwh_ui_stops_the_server_it_started(tmp_path: Path, sig: str) -> None:
    """`revwh ui` passes SIGTERM (and Ctrl-C, SIGINT) on to the server it started and returns its
    exit code, instead of dying and leaving the server running (orchestration/commands/ui.py
    `_serve_until_stopped`). The server here is a stand-in for `dagster dev` (which test_ui starts
    and stops for real): it records the signal and exits 7."""
    import signal
    import time

    got = tmp_path / "server-got"
    server = (f"import signal, sys, time; from pathlib import Path\n"
              f"def stop(sig, _f): Path({str(got)!r}).write_text(str(sig)); sys.exit(7)\n"
              f"signal.signal(signal.SIGTERM, stop); print('ready', flush=True); time.sleep(120)")
    parent = (f"import subprocess, sys; from orchestration.commands.ui import _serve_until_stopped\n"
              f"sys.exit(_serve_until_stopped(subprocess.Popen([sys.executable, '-c', {server!r}],"
              f" start_new_session=True)))")
    proc = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.5)  # the parent's handler is installed before the server starts; leave margin anyway
    proc.send_signal(getattr(signal, sig))
    assert proc.wait(timeout=30) == 7  # the server's code: the parent waited for it, not killed
    assert got.read_text() == str(int(signal.SIGTERM))


def test_revwh_ui_stops_the_daemon_when_the_webserver_dies(tmp_path: Path) -> None:
    """`dagster dev` keeps its daemon running when its webserver dies (seen: a taken port). The
    stand-in serves a port, then closes it and stays up like the daemon; revwh notices the port
    stopped answering, says so in one line, stops the stand-in's whole group and exits non-zero."""
    import psutil

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ("import socket, time\n"
              f"s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
              f"s.bind(('127.0.0.1', {port})); s.listen(); print('ready', flush=True)\n"
              "deadline = time.monotonic() + 3\n"
              "while time.monotonic() < deadline:\n"
              "    s.settimeout(0.2)\n"
              "    try: s.accept()[0].close()\n"
              "    except OSError: pass\n"
              "s.close(); time.sleep(120)")
    parent = (f"import subprocess, sys; from orchestration.commands.ui import _serve_until_stopped\n"
              f"server = subprocess.Popen([sys.executable, '-c', {server!r}], start_new_session=True)\n"
              f"print(server.pid, flush=True)\n"
              f"sys.exit(_serve_until_stopped(server, port={port}, poll_seconds=0.3))")
    proc = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    server_pid = int(proc.stdout.readline())
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert err.strip() == f"revwh ui: the Dagster webserver on port {port} stopped; stopping the daemon too"
    assert not psutil.pid_exists(server_pid) or psutil.Process(server_pid).status() == psutil.STATUS_ZOMBIE


def test_revwh_ui_on_a_taken_port_says_so_in_one_line_and_starts_nothing(tmp_path: Path) -> None:
    """With the port taken, `dagster dev` used to start the daemon and no web page, and stay up."""
    import psutil

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")}
        proc = subprocess.Popen([REVWH, "ui", "--port", str(port)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert out == ""
    assert err.strip().splitlines() == [
        f"revwh: port {port} on 127.0.0.1 is already in use (another `revwh ui`?): stop it, or choose another"
        f" port with --port, e.g. `revwh ui --port {port + 1}`"]
    left = [p for p in psutil.process_iter(["cmdline"]) if str(port) in " ".join(p.info["cmdline"] or [])]
    assert left == []


def test_a_run_dbt_stopped_is_one_line_naming_the_test_or_model(tmp_path: Path) -> None:
    """The step failure the Dagster UI shows when dbt stops a run (DbtStopped): the failed test
    first (the data said no), with its rows; a model's error by its cause, not dbt's header line;
    how many more; where dbt's log is. (Seen on a run whose dim_products could not cast 'x'.)"""
    from orchestration.run.failures import dbt_stop_line

    model_error = {"unique_id": "model.revwh.dim_products", "status": "error", "failures": None,
                   "message": "Runtime Error in model dim_products (models/marts/core/dim_products.sql)\n"
                              "  Conversion Error: Could not convert string 'x' to INT32\n  \n  LINE 13: from x"}
    failed_test = {"unique_id": "test.revwh.unique_dim_clients_client_id.1a2b", "status": "fail", "failures": 2,
                   "message": "Got 2 results, configured to fail if != 0"}
    passed = {"unique_id": "model.revwh.ar_aging", "status": "success", "message": "OK"}
    line = dbt_stop_line({"results": [passed, model_error, failed_test]}, tmp_path)
    assert line == ("dbt test unique_dim_clients_client_id failed (2 row(s)); 1 more failure(s);"
                    " the data breaks a rule: fix it in the landing files and run again;"
                    f" dbt's log: {tmp_path / 'dbt.log'}")
    assert dbt_stop_line({"results": [passed, model_error]}, tmp_path) == (
        "dbt model dim_products failed: Conversion Error: Could not convert string 'x' to INT32; nothing was"
        f" published; dbt's log: {tmp_path / 'dbt.log'}")
    assert dbt_stop_line(None) == "dbt stopped before building the warehouse; see dbt's log"


def test_help_builds_every_command_without_the_heavy_modules() -> None:
    """`revwh --help` builds the parser from every module of orchestration/commands/; none of them
    may import Dagster, dbt, DuckDB, polars or an SDK at its top (only inside its handler)."""
    heavy = ("dagster", "dbt", "duckdb", "polars", "psycopg2", "pyspark", "quickbooks", "google", "xlsxwriter",
             "reportlab")
    probe = ("import sys; from orchestration.commands.cli import build_parser\n"
             "names = build_parser()._subparsers._group_actions[0].choices\n"
             "print(' '.join(names))\n"
             f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & {set(heavy)})))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    commands, loaded = done.stdout.split("\n")[:2]
    assert commands.split() == ["run", "demo", "ui", "restore", "sql", "docs", "report", "roles", "close", "reopen",
                                "invoice-run", "pull", "post"]
    assert loaded == ""
