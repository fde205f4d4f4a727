"""The Dagster code location: assets, checks, the nightly job and its schedule.

`build_definitions(settings)` is what both `dagster dev` (via workspace.yaml, with settings
from the environment) and `revwh run` (with settings from the command line) use, so the CLI
has no second implementation of the pipeline.
"""

from __future__ import annotations

import os

from dagster import (
    AssetSelection,
    Definitions,
    ScheduleDefinition,
    define_asset_job,
    in_process_executor,
)

from orchestration.dbt_assets import dbt_models, dbt_resource
from orchestration.landing_assets import load_landing_files
from orchestration.platform_assets import PARTITIONS, ad_platform_pull, daily_platform_assets
from orchestration.publish import published_warehouse
from orchestration.settings import RevwhSettings

NIGHTLY_JOB = "revwh_nightly"


def settings_from_env() -> RevwhSettings:
    """Settings for the UI and schedules: REVWH_LANDING, REVWH_WAREHOUSE, REVWH_AS_OF."""
    return RevwhSettings(
        landing_dir=os.environ.get("REVWH_LANDING", "landing"),
        warehouse_path=os.environ.get("REVWH_WAREHOUSE", "warehouse/revwh.duckdb"),
        as_of=os.environ.get("REVWH_AS_OF", ""),
        pull_ad_platforms=os.environ.get("REVWH_PULL_AD_PLATFORMS", "1") == "1",
    )


def build_definitions(settings: RevwhSettings) -> Definitions:
    nightly = define_asset_job(
        NIGHTLY_JOB,
        selection=AssetSelection.assets(ad_platform_pull, load_landing_files, dbt_models, published_warehouse),
        description="Pull the ad platforms, load the landing directory, build and test every model, publish.",
        # One writer on the DuckDB file: steps run one after another in one process.
        executor_def=in_process_executor,
    )
    backfill = define_asset_job(
        "ad_platform_backfill",
        selection=AssetSelection.assets(*daily_platform_assets),
        partitions_def=PARTITIONS,
        description="Pull a range of days from the ad platforms (one partition per day).",
    )
    return Definitions(
        assets=[ad_platform_pull, *daily_platform_assets, load_landing_files, dbt_models, published_warehouse],
        jobs=[nightly, backfill],
        schedules=[ScheduleDefinition(job=nightly, cron_schedule="0 2 * * *", name="nightly")],
        resources={"settings": settings, "dbt": dbt_resource()},
    )


defs = build_definitions(settings_from_env())
