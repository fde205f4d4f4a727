"""Publish: swap the fully built working copy in as the warehouse analysts open.

Runs only after every dbt model and blocking check succeeded; os.replace is atomic, so a
reader sees the old warehouse or the new one, never a half-built file.
"""

import os

import duckdb
from dagster import AssetExecutionContext, MaterializeResult, asset

from orchestration import progress
from orchestration.dbt_assets import dbt_models
from orchestration.settings import RevwhSettings


@asset(
    # Every dbt model: publishing waits for all of them and their blocking checks.
    deps=sorted(dbt_models.keys, key=lambda k: k.to_user_string()),
    group_name="publish",
    description="The published, read-only-safe warehouse file (atomically replaced per run).",
)
def published_warehouse(context: AssetExecutionContext, settings: RevwhSettings) -> MaterializeResult:
    building, published = settings.building(), settings.published()
    con = duckdb.connect(str(building))
    try:
        con.execute("checkpoint")
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()
    finally:
        con.close()
    os.replace(building, published)
    progress.report(f"published {published}")
    context.log.info(f"published {published}")
    return MaterializeResult(metadata={"path": str(published), "marts": ", ".join(t for (t,) in tables)})
