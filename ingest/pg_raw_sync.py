"""The loader's PostgreSQL path: bring PostgreSQL's raw tables to the run's landed state, by COPY.

The loader lands and checks files in the run's DuckDB working copy as on every target (its
readers, the expectation gate and the file bookkeeping are DuckDB's); on `--target postgres`
that copy is the landing store, and this module makes PostgreSQL's `raw` and `closed` schemas
equal to it before dbt builds there:

- a landed table (rows carry `_source_file` and `_loaded_at`) is synced by file: PostgreSQL rows of
  a file whose load is no longer the store's (replaced, removed, or from a run that did not
  publish) are deleted, and the store's rows of every file PostgreSQL does not hold in that load
  are copied in. A nightly moves only the files it landed; a first run copies everything.
- bookkeeping tables (raw._files, raw._run_inputs, closed.*) are small: replaced whole.
  raw._published_run is PostgreSQL's own (written by the publish transaction), never copied.

Everything happens in one PostgreSQL transaction, so a failed sync leaves raw as it was. Rows
travel as CSV written by DuckDB (NULL unquoted, an empty string quoted, which is how
PostgreSQL's COPY reads them) through `COPY ... FROM STDIN`, never row by row.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the store's connection is handed in; importing this module stays light (revwh roles)
    import duckdb

SCHEMAS = ("raw", "closed")
FILE_KEY = ("_source_file", "_loaded_at")

# PostgreSQL's own record of what it published (orchestration/engines/postgres/warehouse.py): never the store's.
OWN_TABLES = {("raw", "_published_run")}

_PG_TYPES = {"VARCHAR": "text", "INTEGER": "integer", "BIGINT": "bigint", "TIMESTAMP": "timestamp",
             "TIMESTAMP WITH TIME ZONE": "timestamptz",
             "DATE": "date", "BOOLEAN": "boolean", "DOUBLE": "double precision", "HUGEINT": "numeric(38, 0)"}


@dataclass
class SyncReport:
    files_copied: int = 0
    files_deleted: int = 0
    rows_copied: int = 0


def pg_type(duckdb_type: str) -> str:
    """PostgreSQL's name for a DuckDB column type (DECIMAL(p,s) keeps its precision and scale)."""
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.replace("DECIMAL", "numeric")
    try:
        return _PG_TYPES[duckdb_type]
    except KeyError:
        raise ValueError(f"no PostgreSQL type for DuckDB's {duckdb_type}") from None


def quote_ident(name: str) -> str:
    """A quoted SQL identifier; DuckDB and PostgreSQL quote alike."""
    return '"' + name.replace('"', '""') + '"'


def _tables(duck: duckdb.DuckDBPyConnection) -> list[tuple[str, str, list[tuple[str, str]]]]:
    rows = duck.execute(
        "select c.table_schema, c.table_name, c.column_name, c.data_type from information_schema.columns c"
        " join information_schema.tables t using (table_schema, table_name)"
        " where c.table_schema in ('raw', 'closed') and t.table_type = 'BASE TABLE'"
        " order by c.table_schema, c.table_name, c.ordinal_position"
    ).fetchall()
    tables: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, dtype in rows:
        tables.setdefault((schema, table), []).append((column, dtype))
    return [(s, t, cols) for (s, t), cols in tables.items() if (s, t) not in OWN_TABLES]


def _ensure_table(cur: Any, schema: str, table: str, columns: list[tuple[str, str]]) -> None:
    """Create the table; re-create it if its columns differ (a new landing contract)."""
    cur.execute("select column_name, data_type from information_schema.columns where table_schema = %s"
                " and table_name = %s order by ordinal_position", (schema, table))
    present = [c for c, _ in cur.fetchall()]
    wanted = [c for c, _ in columns]
    target = f"{quote_ident(schema)}.{quote_ident(table)}"
    if present == wanted:
        return
    if present:
        cur.execute(f"drop table {target} cascade")
    body = ", ".join(f"{quote_ident(c)} {pg_type(t)}" for c, t in columns)
    cur.execute(f"create table {target} ({body})")


def _copy(duck: duckdb.DuckDBPyConnection, cur: Any, schema: str, table: str, columns: list[str],
          where: str, params: list[object], scratch: Path) -> int:
    """COPY the store's rows of `schema.table` matching `where` into PostgreSQL; the row count."""
    names = ", ".join(quote_ident(c) for c in columns)
    path = scratch / f"{schema}.{table}.csv"
    target = f"{quote_ident(schema)}.{quote_ident(table)}"
    duck.execute(f"copy (select {names} from {target} where {where}) to '{path}' (header, delimiter ',')", params)
    with open(path, encoding="utf-8") as fh:
        cur.copy_expert(f"copy {target} ({names}) from stdin with (format csv, header)", fh)
        copied = cur.rowcount
    path.unlink()
    return int(copied)


def sync_raw(duck: duckdb.DuckDBPyConnection, pg: Any) -> SyncReport:
    """Make PostgreSQL's raw and closed tables equal to the DuckDB store's; commit once."""
    report = SyncReport()
    with tempfile.TemporaryDirectory(prefix="revwh-pg-copy-") as tmp, pg.cursor() as cur:
        scratch = Path(tmp)
        for schema in SCHEMAS:
            cur.execute(f"create schema if not exists {schema}")
        tables = _tables(duck)
        for schema, table, columns in tables:
            _ensure_table(cur, schema, table, columns)
            names = [c for c, _ in columns]
            target = f"{quote_ident(schema)}.{quote_ident(table)}"
            if not set(FILE_KEY) <= set(names):
                cur.execute(f"truncate {target}")
                report.rows_copied += _copy(duck, cur, schema, table, names, "true", [], scratch)
                continue
            store = set(duck.execute(f"select distinct _source_file, _loaded_at from {target}").fetchall())
            cur.execute(f"select distinct _source_file, _loaded_at from {target}")
            held = set(cur.fetchall())
            stale = sorted({f for f, _ in held - store})
            fresh = sorted({f for f, _ in store - held})
            if stale:
                cur.execute(f"delete from {target} where _source_file = any(%s)", (stale,))
                report.files_deleted += len(stale)
            if fresh:
                report.rows_copied += _copy(duck, cur, schema, table, names, "list_contains(?, _source_file)",
                                            [fresh], scratch)
                report.files_copied += len(fresh)
        held_tables = _pg_tables(cur)
        for schema, table in sorted(held_tables - {(s, t) for s, t, _ in tables} - OWN_TABLES):
            cur.execute(f"drop table {quote_ident(schema)}.{quote_ident(table)} cascade")  # gone from the store
        for schema, table, _ in tables:
            cur.execute(f"analyze {quote_ident(schema)}.{quote_ident(table)}")
    pg.commit()
    return report


def _pg_tables(cur: Any) -> set[tuple[str, str]]:
    cur.execute("select table_schema, table_name from information_schema.tables where table_schema in"
                " ('raw', 'closed') and table_type = 'BASE TABLE'")
    return {(s, t) for s, t in cur.fetchall()}
