"""Publish: swap the fully built working copy in as the warehouse analysts open.

Runs only after every dbt model and blocking check succeeded; os.replace is atomic, so a
reader sees the old warehouse or the new one, never a half-built file.
"""

import os
from datetime import date

import duckdb
from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue, asset

from orchestration.close.month_close import record_published_run
from orchestration.pipeline.dbt_assets import dbt_models
from orchestration.pipeline.run_lock import RunLock
from orchestration.run import progress
from orchestration.run.inputs import FULL, RUN_INPUTS
from orchestration.run.working_copy import keep_previous_generation
from orchestration.settings import RevwhSettings


@asset(
    # Every dbt model: publishing waits for all of them and their blocking checks.
    deps=sorted(dbt_models.keys, key=lambda k: k.to_user_string()),
    group_name="publish",
    description="The published, read-only-safe warehouse file (atomically replaced per run).",
)
def published_warehouse(
    context: AssetExecutionContext, settings: RevwhSettings, run_lock: RunLock
) -> MaterializeResult:
    from orchestration.run.summary import as_of_warning, run_summary

    building, published = settings.building(), settings.published()
    as_of = settings.as_of_date()
    con = duckdb.connect(str(building))
    try:
        (mode,) = con.execute(f"select build_mode from {RUN_INPUTS}").fetchone()
        record_published_run(con, context.run_id, as_of)
        con.execute("checkpoint")
        if settings.on_postgres():
            counts, lag, where = _publish_postgres(context.run_id, as_of)
        elif settings.on_spark():
            counts, lag, where = _publish_spark(con, settings, context.run_id, as_of)
        else:
            tables = [t for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()]
            counts = {t: con.execute(f'select count(*) from marts."{t}"').fetchone()[0] for t in tables}
            lag = as_of_warning(con, as_of)
    finally:
        con.close()
    if not (settings.on_postgres() or settings.on_spark()):
        # the next run's working file (orchestration/run/working_copy.py); none after a full build, so
        # the next run copies the rebuilt file and no run works on the generation it replaced
        keep_previous_generation(published, keep=mode != FULL)
    os.replace(building, published)  # on PostgreSQL and Spark: the landing store the next run loads against
    shown = f"PostgreSQL {where}" if settings.on_postgres() else where if settings.on_spark() else str(published)
    progress.report(f"published {shown}")
    context.log.info(f"published {shown} as of {as_of}")
    if lag:
        context.log.warning(lag)
    return MaterializeResult(
        metadata={
            "path": shown,
            "as_of": as_of.isoformat(),
            "mart_rows": MetadataValue.json(counts),
            "as_of_warning": lag or "none",
            "summary": MetadataValue.md("```\n" + run_summary(published, as_of, target=settings.target) + "\n```"),
        }
    )


def _publish_postgres(run_id: str, as_of: date) -> tuple[dict[str, int], str | None, str]:
    """Swap the new marts in on PostgreSQL (one transaction); their row counts and the as-of warning."""
    from orchestration.engines.postgres.connection import PgSettings, connect
    from orchestration.engines.postgres.warehouse import PgQuery, publish
    from orchestration.run.summary import as_of_warning

    pg_settings = PgSettings.from_env()
    pg = connect(pg_settings)
    try:
        counts = publish(pg, run_id, as_of)
        lag = as_of_warning(PgQuery(pg), as_of)
        pg.rollback()
    finally:
        pg.close()
    return counts, lag, pg_settings.where()


def _publish_spark(con: duckdb.DuckDBPyConnection, settings: RevwhSettings, run_id: str,
                   as_of: date) -> tuple[dict[str, int], str | None, str]:
    """Point Spark's `marts` at this run's version (orchestration/engines/spark/warehouse.py) and record
    the inputs it was built from; the marts' row counts and the as-of warning."""
    from orchestration.engines.spark.warehouse import SparkError, open_reader, publish
    from orchestration.run.inputs import RUN_INPUTS
    from orchestration.run.summary import as_of_warning

    fingerprint, model_state = con.execute(f"select fingerprint, model_state from {RUN_INPUTS}").fetchone()
    spark_dir = settings.spark_dir()
    progress.report(f"publishing the marts on Spark ({spark_dir})")
    try:
        publish(spark_dir, run_id, as_of, fingerprint, model_state)
    except SparkError as exc:
        raise Failure(description=str(exc)) from None
    reader = open_reader(spark_dir)  # the marts just published, from their Parquet files
    try:
        tables = [t for (t,) in reader.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        counts = {t: int(reader.execute(f'select count(*) from marts."{t}"').fetchone()[0]) for t in tables}
        lag = as_of_warning(reader, as_of)
    finally:
        reader.close()
    return counts, lag, f"Spark {spark_dir}"
