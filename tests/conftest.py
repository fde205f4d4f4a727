"""Shared pytest set-up: progress lines off, repo root importable, a private Dagster instance,
and the order in which pytest-xdist hands modules to its three workers.

Runs record themselves in the persistent Dagster instance of DAGSTER_HOME (orchestration/
instance.py); tests get a fresh one per session so they never write into the project's
.dagster_home/ that `revwh ui` shows.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# Scratch files in RAM. Every test's warehouse, Dagster instance (SQLite), Spark metastore (Derby)
# and dbt target is thrown away at the end, so none needs to reach the disk; but each of them
# syncs to it, and on this 2-core VM's shared disk those syncs were half of a pipeline run's time
# (one spine run: 151 s on disk, 69 s in /dev/shm, the same 27 s of CPU, three workers busy).
# /dev/shm is tmpfs on Linux; where it is missing, small or REVWH_TEST_TMP=disk, the system's
# temporary directory is used as before. Everything below it (pytest's tmp_path, the private
# PostgreSQL cluster, Spark's local dirs, dbt's and revwh's own temporary files) follows TMPDIR.
MIN_SCRATCH_BYTES = 8 * 2**30  # a whole session leaves 2.2 GB there (pytest keeps the last one)


def _scratch_in_ram() -> None:
    shm = Path("/dev/shm")
    if os.environ.get("REVWH_TEST_TMP") == "disk" or not shm.is_dir() or not os.access(shm, os.W_OK):
        return
    if shutil.disk_usage(shm).free < MIN_SCRATCH_BYTES:
        return
    root = shm / f"revwh-tests-{os.getuid()}"
    root.mkdir(exist_ok=True)
    root.chmod(0o755)  # the private PostgreSQL server runs as the postgres user: it must reach its cluster
    os.environ["TMPDIR"] = str(root)
    os.environ["SPARK_LOCAL_DIRS"] = str(root)  # Spark's shuffle and block files (the JVM ignores TMPDIR)
    tempfile.tempdir = str(root)


_scratch_in_ram()
os.environ["REVWH_PROGRESS"] = "0"
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ["DAGSTER_HOME"] = tempfile.mkdtemp(prefix="revwh-test-dagster-")
atexit.register(shutil.rmtree, os.environ["DAGSTER_HOME"], True)  # this process's instance: nobody reads it after
# Tests build their landing directories moments before running the pipeline: a run would take
# every file for one still being written (REVWH_SETTLE_SECONDS, default 30 s) and load none.
# tests/test_landing_snapshot.py tests the wait itself, with settings of its own.
os.environ.setdefault("REVWH_SETTLE_SECONDS", "0")


# One good `revwh run` over the spine landing (tests/test_spine_rules.py, T = 2026-10-15), shared
# by every module that only reads its warehouse or copies it: the pipeline's set-up (Dagster, dbt)
# is paid once per session instead of once per module, and once for both pytest-xdist workers
# (the first one to need it runs it under a file lock in the workers' common temporary directory;
# the other reads its result). The run records itself in a Dagster home of its own, beside the
# landing (`spine_dagster_home`), so a worker's tests can find it whichever worker ran it.
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import pytest  # noqa: E402
from filelock import FileLock  # noqa: E402

REVWH = str(Path(sys.executable).parent / "revwh")


def _shared_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A directory every worker of this session sees (the session's own when not distributed)."""
    root = tmp_path_factory.getbasetemp()
    return root if worker_id == "master" else root.parent


@pytest.fixture(scope="session")
def spine_cli_run(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """(landing, warehouse, the finished `revwh run` process). Read-only for tests: copy the
    landing or the warehouse to change them (another worker may be reading them)."""
    from tests.test_spine_rules import AS_OF, build_landing

    shared = _shared_dir(tmp_path_factory, worker_id)
    base = shared / "spine_cli"
    landing, warehouse, result = base / "landing", base / "revwh.duckdb", base / "run.json"
    args = [REVWH, "run", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", AS_OF]
    with FileLock(str(shared / "spine_cli.lock")):
        if not result.exists():
            base.mkdir(exist_ok=True)
            build_landing(landing)
            env = {**os.environ, "REVWH_PROGRESS": "1", "DAGSTER_HOME": str(base / "dagster_home")}
            proc = subprocess.run(args, capture_output=True, text=True, timeout=900, env=env)
            result.write_text(json.dumps([proc.returncode, proc.stdout, proc.stderr]), encoding="utf-8")
    code, out, err = json.loads(result.read_text(encoding="utf-8"))
    return landing, warehouse, subprocess.CompletedProcess(args, code, out, err)


def finance_duckdb_run(tmp_path_factory: pytest.TempPathFactory, worker_id: str,
                       scenario: str) -> tuple[Path, Path, str]:
    """(landing, DuckDB warehouse, as-of) of a finance scenario of tests/test_finance_marts.py
    ("october" or "q1"), built once per session for both workers like the spine run: the
    PostgreSQL and Spark modules each compare their engine's marts with it. Read-only for tests."""
    from tests import test_finance_marts as finance
    from tests.landing_builder import write_landing

    rows, as_of = (finance.LANDING, finance.AS_OF) if scenario == "october" else (finance.Q1_LANDING, finance.Q1_AS_OF)
    shared = _shared_dir(tmp_path_factory, worker_id)
    base = shared / f"finance_{scenario}"
    landing, warehouse, result = base / "landing", base / "revwh.duckdb", base / "run.json"
    with FileLock(str(shared / f"finance_{scenario}.lock")):
        if not result.exists():
            base.mkdir(exist_ok=True)
            write_landing(landing, rows)
            args = [REVWH, "run", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", as_of]
            env = {**os.environ, "DAGSTER_HOME": str(base / "dagster_home")}
            proc = subprocess.run(args, capture_output=True, text=True, timeout=900, env=env)
            result.write_text(json.dumps([proc.returncode, proc.stderr]), encoding="utf-8")
    code, err = json.loads(result.read_text(encoding="utf-8"))
    assert code == 0, err[-3000:]
    return landing, warehouse, as_of


@pytest.fixture(scope="session")
def spine_dagster_home(spine_cli_run: tuple) -> Path:
    """The Dagster home in which the shared spine run is recorded."""
    return spine_cli_run[0].parent / "dagster_home"


# The suite runs on three pytest-xdist workers on the 2 cores, one module at a time each (`--dist loadfile`,
# pyproject.toml). A module's pipeline runs are module fixtures, so a module stays on one worker.
# Modules start longest first (measured with --durations; each pipeline run costs 25-35 s), so
# the workers finish together instead of one ending on test_operations alone. Three, not two: a
# module waits on its subprocesses (a JVM, a PostgreSQL server, dbt) much of its time; two workers
# kept the 2 cores 54% busy (1,626 s of CPU in a 1,523 s suite).
LONGEST_FIRST = (
    "test_postgres_target.py", "test_spark_target.py", "test_lint.py", "test_operations.py", "test_finance_marts.py",
    "test_incremental_spend.py", "test_bad_landing.py", "test_reports.py",
    "test_rerun_and_restatement.py", "test_spreadsheet_exports.py", "test_connector_microsoft_ads.py", "test_ui.py",
    "test_month_close.py",
    "test_demo_end_to_end.py", "test_connector_google_ads.py", "test_reports_credit_coop.py",
    "test_connector_meta_ads.py", "test_freshness.py", "test_real_exports.py", "test_dbt_unit_tests.py",
    "test_cli.py", "test_analyst.py",
)


# Markers by module, so `pytest -m "not engines and not ui"` runs the fast part alone.
MARKED_MODULES = {"test_postgres_target.py": "engines", "test_spark_target.py": "engines", "test_ui.py": "ui"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        marker = MARKED_MODULES.get(item.path.name)
        if marker:
            item.add_marker(marker)
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order
