"""Reading the published warehouse for a report: read-only, with the marts it needs, as dicts.

Every report module opens the warehouse the same way: a missing file or a warehouse built by an
older revwh (a mart missing) is a ReportError with one line saying what to do, never a DuckDB
traceback; rows come back as dicts with money as Decimal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from orchestration.engines.postgres.connection import PgSettings
from orchestration.engines.spark.warehouse import SparkMarts, open_reader

Row = dict[str, Any]


class ReportError(Exception):
    """The warehouse cannot be reported on (missing, or built before the report marts existed)."""


# Where a report reads the marts: the published DuckDB file, PostgreSQL on `--target postgres`, the
# Spark directory's published marts on `--target spark`.
MartsSource = Path | PgSettings | SparkMarts


def source_name(source: MartsSource) -> str:
    if isinstance(source, PgSettings):
        return f"PostgreSQL {source.where()}"
    return source.where() if isinstance(source, SparkMarts) else str(source)


@contextmanager
def open_marts(warehouse: MartsSource, required: Iterable[str]) -> Iterator[Any]:
    """A read-only connection to `warehouse`, once every mart in `required` is known to exist.

    On PostgreSQL the connection is a read-only transaction shaped like DuckDB's
    (orchestration/engines/postgres/warehouse.PgQuery), so each report's SQL, written for both, runs unchanged."""
    if isinstance(warehouse, PgSettings):
        with _open_postgres(warehouse, required) as con:
            yield con
        return
    if isinstance(warehouse, SparkMarts):
        con = open_reader(warehouse.directory)
    elif not Path(warehouse).is_file():
        raise ReportError(f"no warehouse at {warehouse}: run `revwh run` (or `revwh demo`) first, or pass --warehouse")
    else:
        con = duckdb.connect(str(warehouse), read_only=True)
    try:
        present = {t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
        missing = [t for t in required if t not in present]
        if missing:
            if isinstance(warehouse, SparkMarts):
                raise ReportError(f"{warehouse.where()} has no published marts.{', marts.'.join(missing)}:"
                                  " run `revwh run --target spark` first")
            raise ReportError(
                f"{warehouse} has no marts.{', marts.'.join(missing)}: it was built by an older revwh;"
                " run `revwh run` again to rebuild it"
            )
        yield con
    finally:
        con.close()


@contextmanager
def _open_postgres(settings: PgSettings, required: Iterable[str]) -> Iterator[Any]:
    from orchestration.engines.postgres.connection import PostgresUnavailable, connect
    from orchestration.engines.postgres.warehouse import PgQuery

    try:
        pg = connect(settings)
    except PostgresUnavailable as exc:
        raise ReportError(str(exc)) from None
    try:
        pg.set_session(readonly=True)
        con = PgQuery(pg)
        present = {t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
        missing = [t for t in required if t not in present]
        if missing:
            raise ReportError(f"PostgreSQL {settings.where()} has no marts.{', marts.'.join(missing)}:"
                              " run `revwh run --target postgres` first")
        yield con
    finally:
        pg.close()


def rows(con: Any, sql: str) -> list[Row]:
    """The query's rows as dicts by column name."""
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
