"""`billing_reports`: the billing team's workbook, written after every nightly publish.

It depends on `published_warehouse`, so it runs only once the new warehouse is in place and
reads that file, read-only, like any analyst. It comes after publishing on purpose: a report
that fails (a full disk, a locked folder) fails this step and the run, which alerts, but cannot
un-publish the warehouse or hold it back; `revwh report` writes it again once fixed, and so does
the next `revwh run` when nothing else changed (orchestration/reports/missing.py).
"""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration.engines.targets import engine_for
from orchestration.pipeline.publish import published_warehouse
from orchestration.pipeline.run_lock import RunLock
from orchestration.reports.marts_reader import MartsSource, source_name
from orchestration.reports.workbook import reports_dir, write_reports
from orchestration.run import progress
from orchestration.settings import RevwhSettings


def report_source(settings: RevwhSettings) -> MartsSource:
    """Where the reports read the published marts: the warehouse file; on PostgreSQL the server's
    marts, on Spark the published version's Parquet files (the same report writers read them there)."""
    return engine_for(settings.target, settings.published()).marts_source()


@asset(
    deps=[published_warehouse],
    group_name="publish",
    description="The billing team's EMT workbook (XLSX) in reports/ beside the published warehouse.",
)
def billing_reports(context: AssetExecutionContext, settings: RevwhSettings, run_lock: RunLock) -> MaterializeResult:
    out_dir = reports_dir(settings.published())  # on PostgreSQL: beside the landing store
    source = report_source(settings)
    progress.report(f"writing billing reports to {out_dir}")
    paths = write_reports(source, out_dir)
    for path in paths:
        context.log.info(f"wrote {path}")
    return MaterializeResult(
        metadata={
            "files": MetadataValue.json([str(p) for p in paths]),
            "out_dir": MetadataValue.path(str(out_dir)),
            "warehouse": source_name(source),
        }
    )
