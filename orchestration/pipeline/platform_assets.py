"""Ad-platform pulls as Dagster assets.

- `<platform>_daily_spend`: daily-partitioned, one partition = one day pulled, so a backfill of
  a date range is a Dagster backfill.
- `ad_platform_pull`: the nightly pull of each platform's lookback window ending at T, upstream
  of the landing load in the nightly job (so one run pulls, loads and models). It runs only when
  settings.pull_ad_platforms is on. QuickBooks Online is its own asset beside it
  (orchestration/pipeline/quickbooks_asset.py).
A platform without credentials is skipped with a visible note (log warning and metadata); the
rest of the run goes on.
"""

import os
from datetime import date

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    DailyPartitionsDefinition,
    Failure,
    MaterializeResult,
    asset,
)

from ingest.platforms import PLATFORMS
from ingest.platforms.common import missing_credential, nightly_window
from orchestration.pipeline.run_lock import RunLock
from orchestration.run import progress
from orchestration.settings import RevwhSettings

PARTITIONS = DailyPartitionsDefinition(start_date="2025-01-01", end_offset=0)
GROUP = "ad_platforms"


def lookback_days(platform: str) -> int:
    """Per-platform lookback (REVWH_LOOKBACK_GOOGLE_ADS=...); 7 days by default."""
    return int(os.environ.get(f"REVWH_LOOKBACK_{platform.upper()}", "7"))


def _pull(context: AssetExecutionContext, settings: RevwhSettings, platform: str, start: date, end: date) -> dict:
    missing = missing_credential(platform)
    if missing:
        note = f"{platform} skipped: no credentials ({missing} is not set)"
        context.log.warning(note)
        progress.report(note)
        return {"skipped": note}
    from ingest.platforms.pull import pull_platform
    from ingest.platforms.scrub import one_line

    progress.report(f"pulling {platform} {start} to {end}")
    try:
        result = pull_platform(platform, start=start, end=end, landing_dir=settings.landing())
    except Exception as exc:  # outside any account (accounts fail one by one): one scrubbed line, no SDK traceback
        raise Failure(description=one_line(f"{platform} pull failed: {type(exc).__name__}: {exc}")) from None
    for account, reason in result.errors.items():
        context.log.error(f"{platform} account {account}: {reason}")
    return {
        "file": str(result.file),
        "rows": result.rows,
        "accounts": len(result.accounts),
        "failed_accounts": [f"{a}: {r}" for a, r in result.errors.items()],
    }


def _daily_asset(platform: str):
    @asset(
        name=f"{platform}_daily_spend",
        partitions_def=PARTITIONS,
        group_name=GROUP,
        description=f"One day of {platform} campaign spend pulled through the official SDK into the landing dir.",
    )
    def _daily(context: AssetExecutionContext, settings: RevwhSettings) -> MaterializeResult:
        day = date.fromisoformat(context.partition_key)
        return MaterializeResult(metadata=_pull(context, settings, platform, day, day))

    return _daily


daily_platform_assets = [_daily_asset(p) for p in PLATFORMS]


PULLED_CHECK = "platforms_pulled"


@asset(
    group_name=GROUP,
    description="Nightly re-pull of each platform's lookback window ending at T.",
    check_specs=[
        AssetCheckSpec(
            PULLED_CHECK,
            asset="ad_platform_pull",
            blocking=False,
            description="Warns when the pull was meant to run and every platform was skipped (no credentials):"
            " a green asset would hide that no spend was pulled.",
        )
    ],
)
def ad_platform_pull(context: AssetExecutionContext, settings: RevwhSettings, run_lock: RunLock):
    if not settings.pull_ad_platforms:
        note = "pull_ad_platforms is off (file drops only)"
        yield MaterializeResult(metadata={"skipped": note})
        yield AssetCheckResult(check_name=PULLED_CHECK, passed=True, description=note)
        return
    metadata, skipped = {}, []
    for platform in PLATFORMS:
        start, end = nightly_window(settings.as_of_date(), lookback_days(platform))
        outcome = _pull(context, settings, platform, start, end)
        metadata[platform] = str(outcome)
        if "skipped" in outcome:
            skipped.append(outcome["skipped"])
    yield MaterializeResult(metadata={**metadata, "platforms_skipped": len(skipped)})
    every = len(skipped) == len(PLATFORMS)
    yield AssetCheckResult(
        check_name=PULLED_CHECK,
        passed=not every,
        severity=AssetCheckSeverity.WARN,
        description="every platform was skipped: " + "; ".join(skipped) if every else
        f"{len(PLATFORMS) - len(skipped)} of {len(PLATFORMS)} platforms pulled",
        metadata={"skipped": skipped},
    )
