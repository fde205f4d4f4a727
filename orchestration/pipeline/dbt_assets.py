"""dbt models as Dagster assets, dbt tests as (blocking, for error severity) asset checks.

dbt writes the run's working copy of the warehouse (REVWH_DBT_DUCKDB_PATH, read by
dbt_project/profiles.yml, as is its memory limit); the as-of date and rule settings go in as vars.
The path dbt sees is the same on every run (see orchestration/run/dbt_launcher.py), so dbt's partial
parsing survives a change of warehouse.
"""

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, Failure
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from packaging.version import Version

from orchestration.engines.postgres.warehouse import MARTS_SCHEMA_ENV
from orchestration.pipeline.run_lock import RunLock
from orchestration.run import inputs as run_inputs
from orchestration.run import progress
from orchestration.run.dbt_launcher import DB_PATH_ENV, DBT_DATABASE_FILE, MEMORY_LIMIT_ENV, RUN_DIR_ENV, run_dir_prefix
from orchestration.run.dbt_manifest import dbt_executable, ensure_manifest
from orchestration.settings import DBT_PROJECT_DIR, RevwhSettings

AS_OF_ENV = "REVWH_DBT_AS_OF"  # macros/settings.sql


class RevwhDbtTranslator(DagsterDbtTranslator):
    """dbt sources are the loader's raw assets (and the month-end closes); models are grouped by layer."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            schema = "closed" if dbt_resource_props.get("source_name") == "closed" else "raw"
            return AssetKey([schema, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


class RevwhDbtCli(DbtCliResource):
    """dagster-dbt's resource without two start-up costs paid on every run.

    dagster-dbt learns dbt's version by running `dbt --version` (a second dbt process, about
    3 s) and opens a dbt adapter in this process to fetch column metadata, which revwh never
    asks for (more seconds of importing dbt). dbt-core is installed in this very environment
    (requirements.lock), so its version is read from the package metadata instead."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


def run_dbt_executable() -> str:
    """`revwh-dbt` (orchestration/run/dbt_launcher.py) beside this interpreter; plain dbt if the
    project is not installed (then the path, and dbt's parse, change with the warehouse)."""
    launcher = Path(sys.executable).parent / "revwh-dbt"
    return str(launcher) if launcher.exists() else dbt_executable()


def dbt_resource() -> DbtCliResource:
    return RevwhDbtCli(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=run_dbt_executable(),
    )


@dbt_assets(manifest=ensure_manifest(), dagster_dbt_translator=RevwhDbtTranslator(), name="dbt_models")
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, settings: RevwhSettings, run_lock: RunLock):
    """Build staging, intermediate and marts with their tests on the run's working copy."""
    os.environ[MEMORY_LIMIT_ENV] = settings.memory_limit
    # T changes every night: as a --vars value it would defeat dbt's partial parsing (a changed
    # var re-parses everything), so it travels in the environment (macros/settings.sql).
    dbt_vars = settings.dbt_vars()
    os.environ[AS_OF_ENV] = str(dbt_vars.pop("as_of"))
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    progress.report("building dbt models and running dbt tests")
    prune_run_directories()
    # dbt unit tests are rule edge cases on fixed inputs: the test command runs them
    # (tests/test_dbt_unit_tests.py); the nightly build checks the data, not the code.
    building = settings.building()
    with tempfile.TemporaryDirectory(prefix=run_dir_prefix(building), dir=building.parent) as run_dir:
        # Incremental models (the ad-spend base models) rebuild whole when the landing step says
        # the published warehouse was built by other models or settings (run_inputs.build_mode).
        mode = run_inputs.recorded_build_mode(building)
        if settings.on_postgres():
            target = _prepare_postgres(building, context)
        elif settings.on_spark():
            target = _prepare_spark(building, settings.spark_dir(), context)
        else:
            os.environ.pop(MARTS_SCHEMA_ENV, None)
            _point_dbt_at(building, Path(run_dir), dbt)
            target = []
        refresh = ["--full-refresh"] if mode == run_inputs.FULL else []
        context.log.info(f"dbt build mode: {mode}")
        invocation = dbt.cli(
            ["build", "--exclude-resource-type", "unit_test", "--vars", json.dumps(dbt_vars), *refresh, *target],
            context=context,
        )
        done = 0
        for event in invocation.stream():
            done += 1
            if done % 20 == 0:
                progress.report(f"dbt: {done} models and tests done")
            yield event
    # A failed invocation raised above and keeps its directory (dbt.log, run_results.json) for
    # diagnosis; a good one leaves only its parse state for the next run, then nothing.
    keep_parse_state(invocation.target_path)
    shutil.rmtree(invocation.target_path, ignore_errors=True)


def _prepare_postgres(building: Path, context: AssetExecutionContext) -> list[str]:
    """`--target postgres`: copy the run's landed rows into PostgreSQL's raw schema (COPY, one
    transaction), clear a half-built marts schema, and send dbt there. The marts go into
    marts__building; the publish step swaps them in (orchestration/engines/postgres/warehouse.py)."""
    import duckdb

    from ingest.pg_raw_sync import sync_raw
    from orchestration.engines.postgres.connection import PgSettings, connect
    from orchestration.engines.postgres.warehouse import BUILDING, clear_building

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
    context.log.info(f"PostgreSQL raw: {report.files_copied} files ({report.rows_copied} rows) copied,"
                     f" {report.files_deleted} files removed")
    os.environ.update(pg_settings.dbt_env())
    os.environ[MARTS_SCHEMA_ENV] = BUILDING
    os.environ.pop(RUN_DIR_ENV, None)  # dbt starts in the project; no DuckDB file to point at
    return ["--target", "postgres"]


def _prepare_spark(building: Path, spark_dir: Path, context: AssetExecutionContext) -> list[str]:
    """`--target spark`: export the run's landed tables to Parquet for Spark (ingest/spark_raw.py)
    and send dbt there; the marts go into this run's own database, which the publish step points
    `marts` at (orchestration/engines/spark/warehouse.py)."""
    import duckdb

    from ingest.spark_raw import export_raw
    from orchestration.engines.spark.warehouse import dbt_env, version_schema

    if shutil.which("java") is None:  # pyspark starts a JVM; without one dbt's error is a page of Py4J
        raise Failure(description="--target spark needs Java 17 or later on the PATH"
                      " (Debian: apt-get install default-jre-headless)")
    progress.report(f"exporting the landed rows to Parquet for Spark ({spark_dir})")
    spark_dir.mkdir(parents=True, exist_ok=True)
    duck = duckdb.connect(str(building), read_only=True)
    try:
        report = export_raw(duck, spark_dir)
    finally:
        duck.close()
    context.log.info(f"Spark raw: {len(report.written)} of {len(report.tables)} tables rewritten"
                     f" ({report.rows_written} rows), {len(report.removed)} removed")
    os.environ.update(dbt_env(spark_dir, report.tables, version_schema(context.run_id)))
    os.environ.pop(RUN_DIR_ENV, None)  # dbt starts in the project; no DuckDB file to point at
    return ["--target", "spark"]


def _point_dbt_at(building: Path, run_dir: Path, dbt: DbtCliResource) -> None:
    """Give dbt the working copy under the constant name DBT_DATABASE_FILE: a hard link in the
    run directory `revwh-dbt` starts in, beside the working copy (a symbolic link would not do:
    DuckDB follows it and names the database after the target). DuckDB writes in place, so the
    link's writes are the working copy's; its write-ahead log, beside the link, is folded into
    the file when dbt closes it. Where no hard link can be made, or without the launcher, dbt
    gets the real path and re-parses when it changes."""
    os.environ[DB_PATH_ENV] = str(building)
    os.environ.pop(RUN_DIR_ENV, None)  # an earlier run's in this process names a removed directory
    if Path(dbt.dbt_executable).name != "revwh-dbt":
        return
    try:
        os.link(building, run_dir / DBT_DATABASE_FILE)
    except OSError:
        return
    os.environ[RUN_DIR_ENV] = str(run_dir)
    os.environ[DB_PATH_ENV] = DBT_DATABASE_FILE


def keep_parse_state(run_target: Path) -> None:
    """dagster-dbt seeds each invocation's target directory with target/partial_parse.msgpack;
    keeping the newest good run's there lets the next run re-parse only what changed. dbt itself
    checks that the project, vars and profile (the warehouse path) still match, else it parses
    everything, so a stale or foreign file costs time, never correctness."""
    state = Path(run_target) / "partial_parse.msgpack"
    if state.exists():
        shared = DBT_PROJECT_DIR / "target" / state.name
        scratch = shared.with_name(f"{state.name}.{os.getpid()}")
        shutil.copyfile(state, scratch)
        os.replace(scratch, shared)


KEEP_FAILED_RUN_DIRS = 5


def prune_run_directories(target: Path = DBT_PROJECT_DIR / "target") -> None:
    """dagster-dbt gives every invocation its own target/dbt_models-* directory (several MB).
    Keep the few newest (failed runs' logs), remove the rest."""
    runs = sorted(target.glob("dbt_models-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in runs[KEEP_FAILED_RUN_DIRS:]:
        shutil.rmtree(old, ignore_errors=True)
