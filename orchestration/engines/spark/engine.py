"""`--target spark`: the landed tables are exported to Parquet, dbt-spark (pyspark in local mode)
builds the marts in this run's own database, and publishing points `marts` at it (warehouse.py).
The warehouse file is the landing store; analysts read Spark's tables."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from orchestration.engines.base import EngineError, Published, PublishedInputs, marts_row_counts
from orchestration.run.dbt_launcher import RUN_DIR_ENV
from orchestration.settings import default_spark_dir


class SparkEngine:
    name = "spark"
    marts_in_file = False
    has_close_package = False  # journal entries and the close package (orchestration/close/package.py)

    def __init__(self, published: Path) -> None:
        self.published = published  # the landing store

    @property
    def spark_dir(self) -> Path:
        """Spark's warehouse and metastore: REVWH_SPARK_DIR, else beside the landing store."""
        return default_spark_dir(self.published)

    def missing_install(self) -> str | None:
        """Spark support is an optional install (pyspark alone is about 490 MB): say how to add it."""
        if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None:
            return ("Spark support is not installed: run `make install-spark` (pyspark and dbt-spark,"
                    " about 490 MB), then run again")
        return None

    def writer_lock(self, wait_s: float) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()  # Spark's directory sits beside the landing store and its lock

    def prepare_raw(self, building: Path, run_id: str, run_dir: Path, dbt_executable: str,
                    log: Callable[[str], None]) -> list[str]:
        """Export the run's landed tables to Parquet for Spark (ingest/spark_raw.py) and send dbt
        there; the marts go into this run's own database, which the publish step points `marts`
        at (warehouse.py)."""
        from ingest.spark_raw import export_raw
        from orchestration.engines.spark.warehouse import dbt_env, version_schema
        from orchestration.run import progress

        if shutil.which("java") is None:  # pyspark starts a JVM; without one dbt's error is a page of Py4J
            raise EngineError("--target spark needs Java 17 or later on the PATH"
                              " (Debian: apt-get install default-jre-headless)")
        spark_dir = self.spark_dir
        progress.report(f"exporting the landed rows to Parquet for Spark ({spark_dir})")
        spark_dir.mkdir(parents=True, exist_ok=True)
        duck = duckdb.connect(str(building), read_only=True)
        try:
            report = export_raw(duck, spark_dir)
        finally:
            duck.close()
        log(f"Spark raw: {len(report.written)} of {len(report.tables)} tables rewritten"
            f" ({report.rows_written} rows), {len(report.removed)} removed")
        os.environ.update(dbt_env(spark_dir, report.tables, version_schema(run_id)))
        os.environ.pop(RUN_DIR_ENV, None)  # dbt starts in the project; no DuckDB file to point at
        return ["--target", "spark"]

    def published_inputs(self, from_file: PublishedInputs | None) -> PublishedInputs | None:
        """What Spark's published marts were built from (`published.json`, warehouse.py)."""
        if not self.published.exists():
            return None
        from orchestration.engines.spark.warehouse import read_published

        record = read_published(self.spark_dir)
        if record is None or not record.get("fingerprint"):
            return None
        return PublishedInputs(record["fingerprint"], record["run_id"], record["as_of"], record.get("model_state"))

    def publish(self, working: duckdb.DuckDBPyConnection, run_id: str, as_of: date,
                built_from: PublishedInputs) -> Published:
        """Point Spark's `marts` at this run's version (warehouse.py) and record the inputs it was
        built from."""
        from orchestration.engines.spark.warehouse import SparkError, open_reader, publish
        from orchestration.run import progress
        from orchestration.run.marts_lines import as_of_warning

        spark_dir = self.spark_dir
        progress.report(f"publishing the marts on Spark ({spark_dir})")
        try:
            publish(spark_dir, run_id, as_of, built_from.fingerprint, built_from.model_state)
        except SparkError as exc:
            raise EngineError(str(exc)) from None
        reader = open_reader(spark_dir)  # the marts just published, from their Parquet files
        try:
            counts = marts_row_counts(reader)
            lag = as_of_warning(reader, as_of)
        finally:
            reader.close()
        return Published(counts, lag, f"Spark {spark_dir}")

    def marts_source(self) -> Any:
        from orchestration.engines.spark.warehouse import SparkMarts

        return SparkMarts(self.spark_dir)

    def open_reader(self) -> Any:
        """Spark's tables, read from their Parquet files (warehouse.py)."""
        from orchestration.engines.spark.warehouse import open_reader

        return open_reader(self.spark_dir)

    def read_errors(self) -> tuple[type[Exception], ...]:
        return (duckdb.Error,)

    @contextlib.contextmanager
    def published_marts(self) -> Iterator[tuple[Any, str, str | None]]:
        from orchestration.engines.spark.warehouse import open_reader, read_published

        record = read_published(self.spark_dir)
        if record is None:
            raise EngineError(f"Spark {self.spark_dir} has no published marts: run `revwh run --target spark` first")
        reader = open_reader(self.spark_dir)
        try:
            yield reader, f"Spark {self.spark_dir}", record["run_id"]
        finally:
            reader.close()

    def close_source(self, engine_tables: tuple[str, ...],
                     closed_tables: tuple[str, ...]) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]:
        raise EngineError("no journal entries or close package on --target spark yet (docs/DECISIONS.md)")

    def summary(self, as_of: date | None, landed: list[str]) -> str:
        """The landed rows from the landing store, the marts from Spark's published version (read
        from its Parquet files, warehouse.py)."""
        from orchestration.engines.spark.warehouse import open_reader, read_published
        from orchestration.run.marts_lines import as_of_warning, optional_tieout

        spark_dir = self.spark_dir
        record = read_published(spark_dir) or {}
        reader = open_reader(spark_dir)
        try:
            lag = as_of_warning(reader, as_of) if as_of is not None else None
            marts = [t for (t,) in reader.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
            exceptions = reader.execute(
                "select exception_type, count(*) from marts.data_exceptions group by 1 order by 1").fetchall()
            tieout = optional_tieout(reader)
        finally:
            reader.close()
        total = sum(n for _, n in exceptions)
        detail = ", ".join(f"{n:,} {kind}" for kind, n in exceptions)
        return "\n".join(([lag] if lag else []) + landed + [
            f"Marts built ({len(marts)}): " + ", ".join(marts),
            f"Exceptions: {total:,}" + (f" ({detail}) — see marts.data_exceptions" if total else ""),
            *([tieout] if tieout else []),
            f"Warehouse: Spark {spark_dir}, database marts (views on {record.get('schema', '?')})",
            f"Open it: pyspark with the settings of the `spark` output in dbt_project/profiles.yml and"
            f" REVWH_SPARK_DIR={spark_dir}: spark.sql('select * from marts.budget_pacing limit 10')",
            f"Landing store: {self.published}",
        ])
