"""The Dagster code location: assets, checks, the nightly job, its schedule and sensors.

`build_definitions(settings)` is what both `dagster dev` (via workspace.yaml, with settings
from the environment) and `revwh run` (with settings from the command line) use, so the CLI
has no second implementation of the pipeline.
"""

from __future__ import annotations

import os

from dagster import (
    AssetKey,
    AssetSelection,
    AssetSpec,
    Definitions,
    SensorDefinition,
    define_asset_job,
    in_process_executor,
)

from orchestration.billing.invoice_run import INVOICE_RUN_ASSET
from orchestration.engines.targets import TARGETS
from orchestration.pipeline.alerts import SmtpSettings, build_failure_email_sensor
from orchestration.pipeline.dbt_assets import dbt_models, dbt_resource
from orchestration.pipeline.freshness import source_freshness
from orchestration.pipeline.instance import relaxed_sqlite_sync
from orchestration.pipeline.landing_assets import landing_gate_verdict, load_landing_files
from orchestration.pipeline.platform_assets import PARTITIONS, ad_platform_pull, daily_platform_assets
from orchestration.pipeline.publish import published_warehouse
from orchestration.pipeline.quickbooks_asset import quickbooks_pull
from orchestration.pipeline.report_assets import billing_reports
from orchestration.pipeline.run_lock import RunLock
from orchestration.pipeline.run_outcome import build_outcome_sensor
from orchestration.pipeline.schedules import NightlyClock, build_nightly_schedule
from orchestration.pipeline.sensors import build_file_drop_sensor
from orchestration.settings import NIGHTLY_JOB, SETTLE_ENV, RevwhSettings, invoice_settings_from_env


def settings_from_env() -> RevwhSettings:
    """Settings for the UI and schedules: REVWH_LANDING, REVWH_WAREHOUSE, REVWH_AS_OF, REVWH_MEMORY_LIMIT,
    REVWH_TARGET (duckdb, postgres or spark), REVWH_SETTLE_SECONDS."""
    target = os.environ.get("REVWH_TARGET", "duckdb")
    if target not in TARGETS:
        raise ValueError(f"REVWH_TARGET is {target!r}: expected one of {', '.join(TARGETS)}")
    return RevwhSettings(
        landing_dir=os.environ.get("REVWH_LANDING", "landing"),
        warehouse_path=os.environ.get("REVWH_WAREHOUSE", "warehouse/revwh.duckdb"),
        as_of=os.environ.get("REVWH_AS_OF", ""),
        pull_ad_platforms=os.environ.get("REVWH_PULL_AD_PLATFORMS", "1") == "1",
        target=target,
        **({"memory_limit": os.environ["REVWH_MEMORY_LIMIT"]} if os.environ.get("REVWH_MEMORY_LIMIT") else {}),
        **({"settle_seconds": float(os.environ[SETTLE_ENV])} if os.environ.get(SETTLE_ENV) else {}),
        **invoice_settings_from_env(),
    )


# `revwh invoice-run` (orchestration/billing/invoice_run.py) is a person's command, not a job: each draft,
# approval and export is reported to the instance as a materialization of this asset, so finance
# sees the invoice runs, who approved them and their totals beside the marts they are drafted from.
INVOICE_RUN = AssetSpec(
    INVOICE_RUN_ASSET,
    deps=[AssetKey(["marts", "invoice_run_lines"]), AssetKey(["marts", "invoice_run_review"])],
    group_name="invoicing",
    description="The invoice runs: each `revwh invoice-run` (draft, approve, export) with its month, state,"
    " invoices, total per currency, review list and who approved. Recorded by the command, never run here.",
)


def build_definitions(settings: RevwhSettings) -> Definitions:
    """The schedule's time and zone (REVWH_SCHEDULE_TIME, REVWH_SCHEDULE_TIMEZONE) and the alert's
    SMTP settings (REVWH_SMTP_*, REVWH_ALERT_*) are read from the environment here; without
    REVWH_SMTP_HOST there is no alert sensor. The freshness checks target the raw assets, so the
    nightly job's selection includes them (they run after publish, see orchestration/pipeline/freshness.py)."""
    clock = NightlyClock.from_env()
    nightly = define_asset_job(
        NIGHTLY_JOB,
        selection=AssetSelection.assets(
            ad_platform_pull, quickbooks_pull, load_landing_files, landing_gate_verdict, dbt_models,
            published_warehouse, billing_reports,
        ),
        description="Pull the ad platforms and QuickBooks, load the landing directory, build and test every model,"
        " publish.",
        # One writer on the DuckDB file: steps run one after another in one process.
        executor_def=in_process_executor,
    )
    backfill = define_asset_job(
        "ad_platform_backfill",
        selection=AssetSelection.assets(*daily_platform_assets),
        partitions_def=PARTITIONS,
        description="Pull a range of days from the ad platforms (one partition per day).",
    )
    sensors: list[SensorDefinition] = [build_file_drop_sensor(nightly, clock), build_outcome_sensor()]
    smtp = SmtpSettings.from_env()
    if smtp is not None:
        sensors.append(build_failure_email_sensor(smtp))
    return Definitions(
        assets=[
            ad_platform_pull, quickbooks_pull, *daily_platform_assets, load_landing_files, landing_gate_verdict,
            dbt_models, published_warehouse, billing_reports, INVOICE_RUN,
        ],
        asset_checks=[source_freshness],
        jobs=[nightly, backfill],
        schedules=[build_nightly_schedule(nightly, clock)],
        sensors=sensors,
        resources={"settings": settings, "run_lock": RunLock(settings=settings), "dbt": dbt_resource()},
    )


relaxed_sqlite_sync()  # runs launched from the UI record their events the same way (orchestration/pipeline/instance.py)
defs = build_definitions(settings_from_env())
