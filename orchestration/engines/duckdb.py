"""`--target duckdb` (the default): dbt builds the marts in the run's working copy of the
warehouse file, and publishing swaps that file in. The file is the marts analysts read."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from orchestration.engines.base import EngineError, Published, PublishedInputs, marts_row_counts
from orchestration.run.dbt_launcher import DB_PATH_ENV, DBT_DATABASE_FILE, RUN_DIR_ENV


class DuckDBEngine:
    name = "duckdb"
    marts_in_file = True
    has_close_package = True  # journal entries and the close package (orchestration/close/package.py)

    def __init__(self, published: Path) -> None:
        self.published = published

    def missing_install(self) -> str | None:
        return None

    def writer_lock(self, wait_s: float) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()  # the warehouse file's lock is the one writer lock

    def prepare_raw(self, building: Path, run_id: str, run_dir: Path, dbt_executable: str,
                    log: Callable[[str], None]) -> list[str]:
        from orchestration.engines.postgres.warehouse import MARTS_SCHEMA_ENV

        os.environ.pop(MARTS_SCHEMA_ENV, None)
        point_dbt_at(building, run_dir, dbt_executable)
        return []

    def published_inputs(self, from_file: PublishedInputs | None) -> PublishedInputs | None:
        return from_file

    def publish(self, working: duckdb.DuckDBPyConnection, run_id: str, as_of: date,
                built_from: PublishedInputs) -> Published:
        from orchestration.run.marts_lines import as_of_warning

        return Published(marts_row_counts(working), as_of_warning(working, as_of), str(self.published))

    def marts_source(self) -> Path:
        return self.published

    def open_reader(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.published), read_only=True)

    def read_errors(self) -> tuple[type[Exception], ...]:
        return (duckdb.Error,)

    @contextlib.contextmanager
    def published_marts(self) -> Iterator[tuple[Any, str, str | None]]:
        raise EngineError("the DuckDB warehouse file is the published marts: read it directly")
        yield  # pragma: no cover

    @contextlib.contextmanager
    def close_source(self, engine_tables: tuple[str, ...],
                     closed_tables: tuple[str, ...]) -> Iterator[duckdb.DuckDBPyConnection]:
        """The close package reads the warehouse file itself."""
        con = duckdb.connect(str(self.published), read_only=True)
        try:
            yield con
        finally:
            con.close()

    def summary(self, as_of: date | None, landed: list[str]) -> str:
        """The as-of warning, the landed rows, then the marts read from the warehouse file
        (duckdb_summary.py)."""
        from orchestration.engines.duckdb_summary import duckdb_summary

        return duckdb_summary(self.published, as_of, landed)


def point_dbt_at(building: Path, run_dir: Path, dbt_executable: str) -> None:
    """Give dbt the working copy under the constant name DBT_DATABASE_FILE: a hard link in the
    run directory `revwh-dbt` starts in, beside the working copy (a symbolic link would not do:
    DuckDB follows it and names the database after the target). DuckDB writes in place, so the
    link's writes are the working copy's; its write-ahead log, beside the link, is folded into
    the file when dbt closes it. Where no hard link can be made, or without the launcher, dbt
    gets the real path and re-parses when it changes."""
    os.environ[DB_PATH_ENV] = str(building)
    os.environ.pop(RUN_DIR_ENV, None)  # an earlier run's in this process names a removed directory
    if Path(dbt_executable).name != "revwh-dbt":
        return
    try:
        os.link(building, run_dir / DBT_DATABASE_FILE)
    except OSError:
        return
    os.environ[RUN_DIR_ENV] = str(run_dir)
    os.environ[DB_PATH_ENV] = DBT_DATABASE_FILE
