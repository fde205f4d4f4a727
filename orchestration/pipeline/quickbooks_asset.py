"""QuickBooks Online's nightly pull as its own Dagster asset, so the UI shows what it read.

`quickbooks_pull` runs in the nightly job before the landing load (the raw accounting tables
depend on it) when the run pulls (settings.pull_ad_platforms: `revwh run --pull`, the schedule)
and QuickBooks is configured (QBO_REALM_ID and a token); otherwise it materializes as skipped,
with the reason, and the landing's file-drop QuickBooks exports are used as they are. Its
materialization carries the pull's counts (ingest/platforms/quickbooks.PullCounts): full or
changes (CDC) with the CDC window, the customers, items, invoices, payments and credit memos
QuickBooks sent, the deleted documents removed and the voided ones left out of the landing, the
rows written, and the documents that could not be mapped.
"""

from dagster import AssetExecutionContext, AssetKey, Failure, MaterializeResult, asset

from orchestration.pipeline.run_lock import RunLock
from orchestration.run import progress
from orchestration.settings import RevwhSettings

QBO_PULL_KEY = AssetKey(["quickbooks_pull"])
GROUP = "quickbooks"


@asset(
    group_name=GROUP,
    description="Nightly pull of QuickBooks Online (the first in full, then the changes since the last pull)"
    " into accounting/*_qbo.csv and qbo_balances.csv; the metadata holds what it read.",
)
def quickbooks_pull(context: AssetExecutionContext, settings: RevwhSettings, run_lock: RunLock) -> MaterializeResult:
    from ingest.platforms import quickbooks
    from ingest.platforms.scrub import one_line

    if not settings.pull_ad_platforms:
        return MaterializeResult(metadata={"skipped": "pulls are off (file drops only; revwh run --pull pulls)"})
    if not quickbooks.configured():
        return MaterializeResult(metadata={"skipped": "QuickBooks Online is not configured (QBO_REALM_ID and a token)"})
    progress.report("pulling quickbooks")
    try:
        result = quickbooks.pull(settings.landing())
    except Exception as exc:  # a missing credential or a failure outside QuickBooks' answers: one line
        raise Failure(description=one_line(f"quickbooks pull failed: {type(exc).__name__}: {exc}")) from None
    for line in result.exceptions:
        context.log.warning(f"quickbooks: {line}")
    for document, reason in result.errors.items():
        context.log.error(f"quickbooks {document}: {reason}")
    if result.file is None:  # QuickBooks itself failed (401, a fault, the retry budget): nothing written
        return MaterializeResult(metadata={"mode": result.mode, "written": False,
                                           "failed": [f"{d}: {r}" for d, r in result.errors.items()]})
    return MaterializeResult(metadata={
        "mode": "full" if result.mode == "full" else "changes (CDC)",
        **result.counts.metadata(),
        "rows_written": result.rows,
        "exceptions": len(result.exceptions),
        "failed": [f"{d}: {r}" for d, r in sorted(result.errors.items())],
    })
