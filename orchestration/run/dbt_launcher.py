"""`revwh-dbt`: dbt itself, started in the run's own directory.

dbt re-parses the whole project (about 7 s of a run here) whenever the connection settings
differ from the last parse, and the warehouse path is one of them: a run over another warehouse
(every test, `revwh demo` after `revwh run`) paid a full parse. The dbt asset therefore gives dbt
one constant, relative path (`revwh_building.duckdb`, DBT_DATABASE_FILE) and starts it
in a per-run directory where that name is a link to the run's working copy. dagster-dbt always
starts dbt in the project directory, so this entry point changes into the run directory first,
then hands over to dbt's own command line.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

RUN_DIR_ENV = "REVWH_DBT_RUN_DIR"
DB_PATH_ENV = "REVWH_DBT_DUCKDB_PATH"  # read by dbt_project/profiles.yml
MEMORY_LIMIT_ENV = "REVWH_DBT_DUCKDB_MEMORY_LIMIT"  # profiles.yml; RevwhSettings.memory_limit
# The one path dbt is given, relative to the run directory it starts in, where it links to the
# run's working copy. dbt names the database after it: every run's is "revwh_building".
DBT_DATABASE_FILE = "revwh_building.duckdb"


def run_dir_prefix(building: Path) -> str:
    """The run directories of one warehouse's runs, beside its working copy: named after it, so
    the next run of that warehouse (and only it, under its lock) can remove a killed run's."""
    return f".{building.name}.dbt-"


def remove_stale_run_dirs(building: Path) -> None:
    """A run killed while dbt ran leaves its run directory, and the link in it keeps the old
    working copy's disk space: remove them. Called under the warehouse lock."""
    for stale in building.parent.glob(run_dir_prefix(building) + "*"):
        shutil.rmtree(stale, ignore_errors=True)


def main() -> None:
    run_dir = os.environ.get(RUN_DIR_ENV)
    if run_dir:
        os.chdir(run_dir)
    from dbt.cli.main import cli

    sys.exit(cli())


if __name__ == "__main__":
    main()
