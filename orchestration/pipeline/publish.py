"""Publish: swap the fully built working copy in as the warehouse analysts open.

Runs only after every dbt model and blocking check succeeded; os.replace is atomic, so a
reader sees the old warehouse or the new one, never a half-built file.
"""

import os

import duckdb
from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue, asset

from orchestration.close.month_close import record_published_run
from orchestration.engines.base import EngineError, PublishedInputs
from orchestration.engines.targets import engine_for
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
    from orchestration.run.summary import run_summary

    building, published = settings.building(), settings.published()
    engine = engine_for(settings.target, published)
    as_of = settings.as_of_date()
    con = duckdb.connect(str(building))
    try:
        mode, fingerprint, model_state = con.execute(
            f"select build_mode, fingerprint, model_state from {RUN_INPUTS}").fetchone()
        record_published_run(con, context.run_id, as_of)
        con.execute("checkpoint")
        try:
            built_from = PublishedInputs(fingerprint, context.run_id, as_of.isoformat(), model_state)
            done = engine.publish(con, context.run_id, as_of, built_from)
        except EngineError as exc:
            raise Failure(description=str(exc)) from None
    finally:
        con.close()
    counts, lag = done.counts, done.lag
    if engine.marts_in_file:
        # the next run's working file (orchestration/run/working_copy.py); none after a full build, so
        # the next run copies the rebuilt file and no run works on the generation it replaced
        keep_previous_generation(published, keep=mode != FULL)
    os.replace(building, published)  # on PostgreSQL and Spark: the landing store the next run loads against
    shown = done.where
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
