"""The one interface every warehouse engine implements (docs/engines.md, docs/ARCHITECTURE.md).

A run lands files into the DuckDB working copy whatever the target; what differs per engine is
where dbt builds the marts and where analysts read them. Those steps are the methods below, so
the pipeline, the run, the close and the commands ask an Engine (`engine_for`, targets.py) and
never test the target's name themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import duckdb


class EngineError(Exception):
    """A step of the engine cannot go on; the message is one line a person can act on."""


@dataclass(frozen=True)
class PublishedInputs:
    """What the published marts were built from (orchestration/run/inputs.py): equal to this run's
    inputs, the run has nothing to rebuild."""

    fingerprint: str
    run_id: str | None
    as_of: str | None
    model_state: str | None = None  # None: published before revwh recorded it


@dataclass(frozen=True)
class Published:
    """What a publish reports: the marts' row counts, the as-of warning (or None), and where."""

    counts: dict[str, int]
    lag: str | None
    where: str


class Engine(Protocol):
    """The engine-specific steps of a run, a close and the commands."""

    name: str
    # True when the warehouse file is the published marts (DuckDB); False when it is only the
    # landing store the engine's marts are built from (PostgreSQL, Spark)
    marts_in_file: bool

    def missing_install(self) -> str | None:
        """What to install before this engine can run, or None."""

    def writer_lock(self, wait_s: float) -> AbstractContextManager[None]:
        """The engine's own one-writer lock, held beside the warehouse file's lock."""

    def prepare_raw(self, building: Path, run_id: str, run_dir: Path, dbt_executable: str,
                    log: Callable[[str], None]) -> list[str]:
        """Make the run's landed rows readable by dbt on this engine; the dbt arguments that send
        dbt there."""

    def published_inputs(self, from_file: PublishedInputs | None) -> PublishedInputs | None:
        """What this engine's published marts were built from (`from_file`: the warehouse file's
        record)."""

    def publish(self, working: duckdb.DuckDBPyConnection, run_id: str, as_of: date,
                built_from: PublishedInputs) -> Published:
        """Make this run's marts the ones analysts read (the working copy is still open);
        `built_from`: the inputs this run's marts were built from (the next run compares)."""

    def marts_source(self) -> Any:
        """What the report writers read the published marts from (a MartsSource)."""

    def open_reader(self) -> Any:
        """A read-only connection to the published marts (`execute(sql, params)`; close it)."""

    def read_errors(self) -> tuple[type[Exception], ...]:
        """The exceptions a read through open_reader() raises when a table cannot be read."""

    def published_marts(self) -> AbstractContextManager[tuple[Any, str, str | None]]:
        """For the month-end close: (reader, where it is, the publishing run) of the published
        marts; EngineError when there are none."""

    def close_source(self, engine_tables: tuple[str, ...],
                     closed_tables: tuple[str, ...]) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A read-only DuckDB connection holding what a month's close package reads (the engine's
        tables named, and the landing store's `closed` tables); EngineError where there is none."""

    has_close_package: bool

    def summary(self, as_of: date | None, landed: list[str]) -> str:
        """The whole run summary (orchestration/run/summary.py): `landed`, the landed-rows lines
        read from the landing store, placed among this engine's lines about the published marts."""


def marts_row_counts(con: Any) -> dict[str, int]:
    """Rows per mart, read through any engine's reader (plain SQL)."""
    tables = [t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
    return {t: int(con.execute(f'select count(*) from marts."{t}"').fetchone()[0]) for t in tables}

