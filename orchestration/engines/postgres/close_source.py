"""The close package on `--target postgres` (orchestration/close/package.py): an in-memory DuckDB
holding the landing store's `closed` tables beside copies of the engine's tables the package
reads, with their column types (numeric(p,s) stays decimal(p,s): money stays exact), so the
package's SQL is the same on both engines. They are small: one month's marts and the accounting
documents."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from orchestration.engines.base import EngineError


@contextlib.contextmanager
def close_source(warehouse: Path, engine_tables: tuple[str, ...],
                 closed_tables: tuple[str, ...]) -> Iterator[duckdb.DuckDBPyConnection]:
    from orchestration.engines.postgres.connection import PgSettings, PostgresUnavailable, connect

    con = duckdb.connect()
    try:
        con.execute("attach ? as store (read_only)", [str(warehouse)])
        con.execute("create schema closed")
        for table in closed_tables:
            con.execute(f"create table closed.{table} as select * from store.closed.{table}")
        con.execute("detach store")
        try:
            pg = connect(PgSettings.from_env())
        except PostgresUnavailable as exc:
            raise EngineError(f"{exc}; the close is recorded, its journal and package were not written") from None
        try:
            for name in engine_tables:
                _copy_from_postgres(pg, con, name)
        finally:
            pg.close()
        yield con
    finally:
        con.close()




_PG_TYPES = {"integer": "integer", "bigint": "bigint", "smallint": "integer", "boolean": "boolean",
             "date": "date", "double precision": "double", "real": "double"}


def _copy_from_postgres(pg: Any, con: duckdb.DuckDBPyConnection, name: str) -> None:
    """One PostgreSQL table into the in-memory DuckDB, with its column types (numeric(p,s) stays
    decimal(p,s): money stays exact)."""
    schema, table = name.split(".")
    with pg.cursor() as cur:
        cur.execute("select column_name, data_type, numeric_precision, numeric_scale from information_schema.columns"
                    " where table_schema = %s and table_name = %s order by ordinal_position", (schema, table))
        columns = cur.fetchall()
        if not columns:
            raise EngineError(f"PostgreSQL has no {name}: run `revwh run --target postgres` first; the close is"
                             " recorded, its journal and package were not written")
        types = []
        for _column, data_type, precision, scale in columns:
            if data_type == "numeric":
                # numeric(p,s) as is; an unconstrained numeric keeps ten places (nothing is rounded off)
                types.append(f"decimal({min(precision, 38)},{scale})" if precision and scale is not None
                             else "decimal(38,10)")
            elif data_type.startswith("timestamp"):
                types.append("timestamp")
            else:
                types.append(_PG_TYPES.get(data_type, "varchar"))
        cur.execute(f'select * from "{schema}"."{table}"')
        rows = cur.fetchall()
    con.execute(f"create schema if not exists {schema}")
    definitions = ", ".join(f'"{c[0]}" {t}' for c, t in zip(columns, types, strict=True))
    con.execute(f"create table {name} ({definitions})")
    if rows:
        import polars as pl

        frame = pl.DataFrame(rows, schema=[c[0] for c in columns], orient="row", infer_schema_length=None)  # noqa: F841 - read by DuckDB
        con.execute(f"insert into {name} select * from frame")
