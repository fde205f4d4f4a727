"""Make sure dbt's manifest exists and is current before Dagster reads it.

dagster-dbt builds its assets from target/manifest.json. Parsing costs seconds, so it runs
only when a model, macro, test or the project file is newer than the manifest (a fresh clone,
or a developer's edit), not on every code-location load.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from orchestration.run.dbt_launcher import DB_PATH_ENV, DBT_DATABASE_FILE, MEMORY_LIMIT_ENV
from orchestration.settings import DBT_PROJECT_DIR, RevwhSettings

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
_WATCHED = ("models", "macros", "tests", "dbt_project.yml", "profiles.yml")


def dbt_executable() -> str:
    """The dbt next to this interpreter (the project's virtualenv), else the one on PATH."""
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else "dbt"


def _watched_files() -> list[Path]:
    """Every file of the dbt project that shapes the models (models, macros, tests, settings)."""
    found = []
    for name in _WATCHED:
        path = DBT_PROJECT_DIR / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*")) if path.exists() else []
        found += [f for f in candidates if f.is_file()]
    return found


def _newest_source_mtime() -> float:
    return max((f.stat().st_mtime for f in _watched_files()), default=0.0)


def project_files() -> list[tuple[str, str]]:
    """(path, SHA-256) of the watched files: a changed model, macro, test or setting makes the
    next run rebuild (orchestration/run/inputs.py)."""
    return [(f.relative_to(DBT_PROJECT_DIR).as_posix(), hashlib.sha256(f.read_bytes()).hexdigest())
            for f in _watched_files()]


def ensure_manifest() -> Path:
    """Return the manifest path, running `dbt parse` first when it is missing or stale."""
    if MANIFEST.exists() and MANIFEST.stat().st_mtime >= _newest_source_mtime():
        return MANIFEST
    # Parsed with the connection settings of a default run (the path dbt_launcher.py gives dbt,
    # the default memory limit; parse opens no database), so a run can reuse the parse state.
    env = {**os.environ, DB_PATH_ENV: DBT_DATABASE_FILE,
           MEMORY_LIMIT_ENV: RevwhSettings.model_fields["memory_limit"].default}
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    result = subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--quiet",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return MANIFEST
