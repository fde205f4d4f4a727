"""`--target postgres`: the landed rows are copied into PostgreSQL's raw schema, dbt builds the
marts in marts__building, and publishing renames them to marts in one transaction
(warehouse.py). The warehouse file is the landing store; analysts read PostgreSQL."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from orchestration.engines.base import EngineError, Published, PublishedInputs
from orchestration.run.dbt_launcher import RUN_DIR_ENV


class PostgresEngine:
    name = "postgres"
    marts_in_file = False
    has_close_package = True  # journal entries and the close package (orchestration/close/package.py)

    def __init__(self, published: Path) -> None:
        self.published = published  # the landing store

    def missing_install(self) -> str | None:
        return None

    def writer_lock(self, wait_s: float) -> contextlib.AbstractContextManager[None]:
        """The database's advisory lock (lock.py): one writer per PostgreSQL database."""
        from orchestration.engines.postgres.lock import postgres_lock

        return postgres_lock(wait_s)

    def prepare_raw(self, building: Path, run_id: str, run_dir: Path, dbt_executable: str,
                    log: Callable[[str], None]) -> list[str]:
        """Copy the run's landed rows into PostgreSQL's raw schema (COPY, one transaction), clear a
        half-built marts schema, and send dbt there. The marts go into marts__building; the
        publish step swaps them in (warehouse.py)."""
        from ingest.pg_raw_sync import sync_raw
        from orchestration.engines.postgres.connection import PgSettings, connect
        from orchestration.engines.postgres.warehouse import BUILDING, MARTS_SCHEMA_ENV, clear_building
        from orchestration.run import progress

        pg_settings = PgSettings.from_env()
        progress.report(f"copying the landed rows to PostgreSQL ({pg_settings.where()})")
        duck = duckdb.connect(str(building), read_only=True)
        pg = connect(pg_settings)
        try:
            report = sync_raw(duck, pg)
            clear_building(pg)
        finally:
            pg.close()
            duck.close()
        log(f"PostgreSQL raw: {report.files_copied} files ({report.rows_copied} rows) copied,"
            f" {report.files_deleted} files removed")
        os.environ.update(pg_settings.dbt_env())
        os.environ[MARTS_SCHEMA_ENV] = BUILDING
        os.environ.pop(RUN_DIR_ENV, None)  # dbt starts in the project; no DuckDB file to point at
        return ["--target", "postgres"]

    def published_inputs(self, from_file: PublishedInputs | None) -> PublishedInputs | None:
        """The marts analysts read are PostgreSQL's: what they were built from decides (without a
        landing store, as after moving it, the run rebuilds one)."""
        if not self.published.exists():
            return None
        from orchestration.engines.postgres.connection import connect
        from orchestration.engines.postgres.warehouse import published_inputs

        pg = connect()
        try:
            row = published_inputs(pg)
        finally:
            pg.close()
        return None if row is None else PublishedInputs(row[0], row[1], row[2], row[3])

    def publish(self, working: duckdb.DuckDBPyConnection, run_id: str, as_of: date,
                built_from: PublishedInputs) -> Published:
        """Swap the new marts in on PostgreSQL (one transaction)."""
        from orchestration.engines.postgres.connection import PgSettings, connect
        from orchestration.engines.postgres.warehouse import PgQuery, publish
        from orchestration.run.marts_lines import as_of_warning

        pg_settings = PgSettings.from_env()
        pg = connect(pg_settings)
        try:
            counts = publish(pg, run_id, as_of)
            lag = as_of_warning(PgQuery(pg), as_of)
            pg.rollback()
        finally:
            pg.close()
        return Published(counts, lag, f"PostgreSQL {pg_settings.where()}")

    def marts_source(self) -> Any:
        from orchestration.engines.postgres.connection import PgSettings

        return PgSettings.from_env()

    def open_reader(self) -> Any:
        from orchestration.engines.postgres.connection import connect
        from orchestration.engines.postgres.warehouse import PgQuery

        pg = connect()
        pg.autocommit = True  # one failed read must not abort the next
        return PgQuery(pg)

    def read_errors(self) -> tuple[type[Exception], ...]:
        import psycopg2

        return (psycopg2.Error,)

    @contextlib.contextmanager
    def published_marts(self) -> Iterator[tuple[Any, str, str | None]]:
        from orchestration.engines.postgres.connection import PgSettings, PostgresUnavailable, connect
        from orchestration.engines.postgres.warehouse import PgQuery, published_inputs

        settings = PgSettings.from_env()
        try:
            pg = connect(settings)
        except PostgresUnavailable as exc:
            raise EngineError(str(exc)) from None
        try:
            published = published_inputs(pg)
            yield PgQuery(pg), f"PostgreSQL {settings.where()}", published[1] if published else None
        finally:
            pg.close()

    def close_source(self, engine_tables: tuple[str, ...],
                     closed_tables: tuple[str, ...]) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]:
        """The close package's tables copied into an in-memory DuckDB (close_source.py)."""
        from orchestration.engines.postgres.close_source import close_source

        return close_source(self.published, engine_tables, closed_tables)

    def summary(self, as_of: date | None, landed: list[str]) -> str:
        """The landed rows from the landing store, the marts from PostgreSQL."""
        from orchestration.engines.postgres.connection import PgSettings, connect
        from orchestration.engines.postgres.warehouse import PgQuery, summary
        from orchestration.run.marts_lines import as_of_warning, optional_tieout

        pg_settings = PgSettings.from_env()
        pg = connect(pg_settings)
        try:
            lag = as_of_warning(PgQuery(pg), as_of) if as_of is not None else None
            pg.rollback()
            marts = summary(pg, pg_settings)
            tieout = optional_tieout(PgQuery(pg))
            pg.rollback()
        finally:
            pg.close()
        return "\n".join(([lag] if lag else []) + landed + marts + ([tieout] if tieout else [])
                         + [f"Landing store: {self.published}"])
