"""The published warehouse on Spark: versioned marts, a publish by views, and a reader.

On `--target spark` dbt (dbt-spark, `session` method: pyspark in local mode inside the dbt
process) builds the marts of each run into their own Spark database, `marts__r<run id>`
(dbt_project/macros/generate_schema_name.sql reads REVWH_DBT_MARTS_SCHEMA). Spark has no
multi-statement transaction and cannot rename a database, so publishing points the views of
database `marts` at the new version (`create or replace view`, each one atomic: a reader of a
mart sees the old table or the new one, never a half-built one) and then drops every older
version but the one just replaced, which a query started before the publish may still be reading.
A run that fails before publishing leaves `marts` as it was; its half-built version is dropped by
the next publish.

What was published (run, as-of date, version, fingerprint, model state) is recorded in
`<spark dir>/published.json`, replaced by a rename after the views: a later run that finds the
same inputs there skips, one with the same models builds incrementally (orchestration/run/inputs.py).

revwh's own readers of a Spark warehouse (reports, freshness checks, the run summary) do not start
a JVM: Spark's tables are Parquet files under `<spark dir>/spark-warehouse/`, and `open_reader`
gives them, through an in-memory DuckDB connection, the schema and table names they have in Spark
(`marts` being the published version), so the SQL written for the DuckDB warehouse runs unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from ingest.pg_raw_sync import quote_ident
from ingest.spark_raw import SCHEMAS, landing_dir
from orchestration.settings import SPARK_DIR_ENV, default_spark_dir  # noqa: F401 (default_spark_dir: its callers import it here)

RAW_TABLES_ENV = "REVWH_SPARK_RAW_TABLES"  # read by spark__revwh_install_helpers (macros/portable.sql)
PUBLISHED_FILE = "published.json"
MARTS = "marts"
VERSION_PREFIX = "marts__r"


@dataclass(frozen=True)
class SparkMarts:
    """A report's source on `--target spark`: the Spark directory whose published marts it reads."""

    directory: Path

    def where(self) -> str:
        return f"Spark {self.directory}"


class SparkError(RuntimeError):
    """A Spark step failed; the message is one line naming it."""


def warehouse_dir(spark_dir: Path) -> Path:
    return spark_dir / "spark-warehouse"


def version_schema(run_id: str) -> str:
    """The Spark database one run builds its marts into."""
    return VERSION_PREFIX + run_id.replace("-", "")[:12]


def dbt_env(spark_dir: Path, raw_tables: list[str], marts_schema: str) -> dict[str, str]:
    """What the dbt process needs on Spark: where the warehouse is, which raw tables to declare,
    and the marts' database for this run."""
    from orchestration.engines.postgres.warehouse import MARTS_SCHEMA_ENV

    return {SPARK_DIR_ENV: str(spark_dir), RAW_TABLES_ENV: ",".join(raw_tables), MARTS_SCHEMA_ENV: marts_schema}


def read_published(spark_dir: Path) -> dict[str, Any] | None:
    """The record of the published version, or None (nothing published, or its version is gone)."""
    path = spark_dir / PUBLISHED_FILE
    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    if not (warehouse_dir(spark_dir) / f"{record['schema']}.db").is_dir():
        return None
    return record


def _write_published(spark_dir: Path, record: dict[str, Any]) -> None:
    path = spark_dir / PUBLISHED_FILE
    scratch = path.with_name(f".{PUBLISHED_FILE}.{os.getpid()}")
    scratch.write_text(json.dumps(record, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(scratch, path)


def publish(spark_dir: Path, run_id: str, as_of: date, fingerprint: str | None, model_state: str | None) -> None:
    """Point `marts` at this run's version (a dbt run-operation, so Spark is configured by the one
    profile), drop older versions, record the publish."""
    from orchestration.run.dbt_manifest import dbt_executable
    from orchestration.settings import DBT_PROJECT_DIR

    schema = version_schema(run_id)
    if not (warehouse_dir(spark_dir) / f"{schema}.db").is_dir():
        raise SparkError(f"nothing to publish: Spark has no database {schema} (dbt built no marts)")
    previous = read_published(spark_dir)
    args = {"version": schema, "keep": previous["schema"] if previous else schema}
    env = {**os.environ, SPARK_DIR_ENV: str(spark_dir), RAW_TABLES_ENV: ""}
    # its own target and log paths: the project's target/partial_parse.msgpack is the DuckDB
    # build's parse state (orchestration/pipeline/dbt_assets.py), which a Spark parse would replace
    with tempfile.TemporaryDirectory(prefix="revwh-spark-publish-") as scratch:
        proc = subprocess.run(
            [dbt_executable(), "--no-use-colors", "run-operation", "revwh_spark_publish", "--args", json.dumps(args),
             "--target", "spark", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
             "--target-path", scratch, "--log-path", scratch],
            capture_output=True, text=True, env=env, cwd=DBT_PROJECT_DIR)
    if proc.returncode != 0:
        lines = [line.strip() for line in (proc.stdout + proc.stderr).splitlines() if "rror" in line]
        raise SparkError(f"publishing on Spark failed: {lines[-1] if lines else 'dbt run-operation failed'}")
    _write_published(spark_dir, {"run_id": run_id, "as_of": as_of.isoformat(), "schema": schema,
                                 "published_at": datetime.now().replace(microsecond=0).isoformat(),
                                 "fingerprint": fingerprint, "model_state": model_state})


def _parquet_view(con: duckdb.DuckDBPyConnection, schema: str, table: str, directory: Path) -> None:
    files = str(directory / "*.parquet").replace("'", "''")
    con.execute(f"create or replace view {quote_ident(schema)}.{quote_ident(table)}"
                f" as select * from read_parquet('{files}')")


def open_reader(spark_dir: Path, marts_schema: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection whose schemas are the Spark warehouse's databases, read from
    their Parquet files: `marts` is the published version (or `marts_schema`), older or unpublished
    versions are left out, `raw` and `closed` are the exported landing tables."""
    if marts_schema is None:
        record = read_published(spark_dir)
        marts_schema = record["schema"] if record else None
    con = duckdb.connect()
    databases: dict[str, Path] = {}
    root = warehouse_dir(spark_dir)
    for db_dir in sorted(root.glob("*.db")) if root.is_dir() else []:
        name = db_dir.name[: -len(".db")]
        if name == marts_schema:
            databases[MARTS] = db_dir
        elif not name.startswith(VERSION_PREFIX) and name != MARTS:
            databases[name] = db_dir
    for schema in SCHEMAS:
        databases[schema] = landing_dir(spark_dir) / schema
    for schema, db_dir in databases.items():
        con.execute(f"create schema if not exists {quote_ident(schema)}")
        for table_dir in sorted(p for p in db_dir.iterdir() if p.is_dir()) if db_dir.is_dir() else []:
            if any(table_dir.glob("*.parquet")):
                _parquet_view(con, schema, table_dir.name, table_dir)
    return con
