"""The published warehouse on PostgreSQL: the marts schema swap, what was published, a summary.

dbt builds the marts of a `--target postgres` run into the schema `marts__building`
(dbt_project/macros/generate_schema_name.sql reads REVWH_DBT_MARTS_SCHEMA), beside the `marts`
that analysts read. Publishing renames the schemas in one transaction: PostgreSQL's DDL is
transactional, so a reader sees the old marts or the new ones, never a half-built mart, and a run
that fails before publishing leaves `marts` as it was (staging and intermediate are the
pipeline's, not the analysts'). The `revwh_analyst` role gets SELECT on the new tables in the
same transaction (orchestration/engines/postgres/roles.py).

What was published is recorded in `raw._published_run` by the publish transaction itself, with
the run's fingerprint and model state: a later run that finds the same inputs there skips, one
with the same models builds incrementally (orchestration/run/inputs.py). The landing store's
copies of those tables (synced by ingest/pg_raw_sync.py) are only the loader's bookkeeping.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from orchestration.engines.postgres.connection import PgSettings
from orchestration.engines.postgres.roles import ANALYST_ROLE

MARTS, BUILDING, PREVIOUS = "marts", "marts__building", "marts__previous"
MARTS_SCHEMA_ENV = "REVWH_DBT_MARTS_SCHEMA"  # read by generate_schema_name.sql


class PgQuery:
    """A psycopg2 connection with DuckDB's `execute(sql, params).fetchone()` shape and `?`
    placeholders, so the read-only checks written for DuckDB (freshness, the as-of warning) run
    unchanged on PostgreSQL. Only for SQL both engines accept."""

    def __init__(self, pg: Any) -> None:
        self._pg = pg

    def execute(self, sql: str, params: list[object] | None = None) -> Any:
        cur = self._pg.cursor()
        if params:
            cur.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(params))
        else:
            cur.execute(sql)  # no parameters: a % in the SQL (a LIKE pattern) stays as written
        return cur

    def close(self) -> None:
        self._pg.close()


def schema_exists(cur: Any, schema: str) -> bool:
    cur.execute("select 1 from information_schema.schemata where schema_name = %s", (schema,))
    return cur.fetchone() is not None


def table_exists(cur: Any, schema: str, table: str) -> bool:
    cur.execute("select 1 from information_schema.tables where table_schema = %s and table_name = %s",
                (schema, table))
    return cur.fetchone() is not None


def clear_building(pg: Any) -> None:
    """Drop the marts a failed run left half-built, so dbt starts the schema fresh."""
    with pg.cursor() as cur:
        cur.execute(f"drop schema if exists {BUILDING} cascade")
    pg.commit()


def published_inputs(pg: Any) -> tuple[str, str, str, str | None] | None:
    """(fingerprint, run_id, as_of, model_state) of the marts PostgreSQL serves, or None."""
    with pg.cursor() as cur:
        if not table_exists(cur, "raw", "_published_run") or not schema_exists(cur, MARTS):
            return None
        cur.execute("select column_name from information_schema.columns where table_schema = 'raw'"
                    " and table_name = '_published_run'")
        if "fingerprint" not in {c for (c,) in cur.fetchall()}:
            return None
        cur.execute("select fingerprint, run_id, as_of, model_state from raw._published_run")
        row = cur.fetchone()
    pg.rollback()
    return None if row is None else (row[0], row[1], str(row[2]), row[3])


def publish(pg: Any, run_id: str, as_of: date) -> dict[str, int]:
    """Swap `marts__building` in as `marts` and record the run, in one transaction; mart row counts."""
    with pg.cursor() as cur:
        if not schema_exists(cur, BUILDING):
            raise RuntimeError(f"nothing to publish: PostgreSQL has no schema {BUILDING} (dbt built no marts)")
        cur.execute("drop table if exists raw._published_run")
        cur.execute("create table raw._published_run as select %s::text as run_id, %s::date as as_of,"
                    " now()::timestamp as published_at, fingerprint, model_state from raw._run_inputs",
                    (run_id, as_of))
        cur.execute(f"drop schema if exists {PREVIOUS} cascade")
        if schema_exists(cur, MARTS):
            cur.execute(f"alter schema {MARTS} rename to {PREVIOUS}")
        cur.execute(f"alter schema {BUILDING} rename to {MARTS}")
        cur.execute("select 1 from pg_roles where rolname = %s", (ANALYST_ROLE,))
        if cur.fetchone() is not None:
            cur.execute(f"grant usage on schema {MARTS} to {ANALYST_ROLE}")
            cur.execute(f"grant select on all tables in schema {MARTS} to {ANALYST_ROLE}")
        cur.execute(f"drop schema if exists {PREVIOUS} cascade")
        cur.execute("select table_name from information_schema.tables where table_schema = %s order by 1", (MARTS,))
        tables = [t for (t,) in cur.fetchall()]
        counts = {}
        for table in tables:
            cur.execute(f'select count(*) from {MARTS}."{table}"')
            counts[table] = int(cur.fetchone()[0])
    pg.commit()
    return counts


def summary(pg: Any, settings: PgSettings) -> list[str]:
    """The marts part of the run summary, read from PostgreSQL (the landed rows come from the store)."""
    with pg.cursor() as cur:
        cur.execute("select table_name from information_schema.tables where table_schema = %s order by 1", (MARTS,))
        marts = [t for (t,) in cur.fetchall()]
        exceptions: list[tuple[str, int]] = []
        if "data_exceptions" in marts:
            cur.execute("select exception_type, count(*) from marts.data_exceptions group by 1 order by 1")
            exceptions = [(k, int(n)) for k, n in cur.fetchall()]
    pg.rollback()
    total = sum(n for _, n in exceptions)
    detail = ", ".join(f"{n:,} {kind}" for kind, n in exceptions)
    return [
        f"Marts built ({len(marts)}): " + ", ".join(marts),
        f"Exceptions: {total:,}" + (f" ({detail}) — see marts.data_exceptions" if total else ""),
        f"Warehouse: PostgreSQL {settings.where()}, schema marts",
        f"Open it: psql \"host={settings.host} port={settings.port} dbname={settings.database} user=<your login>\""
        " -c 'select * from marts.budget_pacing limit 10'",
    ]
