"""Shared pytest set-up: progress lines off, repo root importable, a private Dagster instance.

Runs record themselves in the persistent Dagster instance of DAGSTER_HOME (orchestration/
instance.py); tests get a fresh one per session so they never write into the project's
.dagster_home/ that `revwh ui` shows.
"""

import os
import tempfile

os.environ["REVWH_PROGRESS"] = "0"
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ["DAGSTER_HOME"] = tempfile.mkdtemp(prefix="revwh-test-dagster-")


# One good `revwh run` over the spine landing (tests/test_spine_rules.py, T = 2026-10-15), shared
# by every module that only reads its warehouse or copies it: the pipeline's set-up (Dagster, dbt)
# is paid once per session instead of once per module.
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REVWH = str(Path(sys.executable).parent / "revwh")


@pytest.fixture(scope="session")
def spine_cli_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """(landing, warehouse, the finished `revwh run` process). Tests must not change the warehouse;
    one that changes the landing restores it."""
    from tests.test_spine_rules import AS_OF, build_landing

    base = tmp_path_factory.mktemp("spine_cli")
    landing = build_landing(base / "landing")
    warehouse = base / "revwh.duckdb"
    proc = subprocess.run(
        [REVWH, "run", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", AS_OF],
        capture_output=True, text=True, timeout=900, env={**os.environ, "REVWH_PROGRESS": "1"},
    )
    return landing, warehouse, proc
