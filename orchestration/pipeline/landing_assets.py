"""The raw assets: one per landed table, all materialized by one load of the landing dir.

The load itself is orchestration/run/landing_load.py's; this module says it in Dagster's terms
(the step's failure, its log, the raw assets' results and the gate checks). The load starts the
run's working file (orchestration/run/working_copy.py: the previous generation caught up, or a
copy of the published file), so a run that fails later leaves the published warehouse as it was.
A run whose inputs are those of the published warehouse (orchestration/run/inputs.py) stops
here: the raw assets are skippable, so Dagster skips dbt, publish and the reports.
"""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    DagsterEventType,
    Failure,
    MaterializeResult,
    asset,
    multi_asset,
)

from ingest.contract import TABLES
from ingest.loader import LoadReport
from orchestration.pipeline.gates import GATE_CHECK, LandingBlocked, blocked_line, gate_results, gate_specs
from orchestration.pipeline.quickbooks_asset import QBO_PULL_KEY
from orchestration.pipeline.run_lock import RunLock
from orchestration.run.findings import GateFinding
from orchestration.run.landing_load import (
    LoadStopped,
    NothingChanged,
    load_into_working,
    plan_load,
    start_working,
)
from orchestration.settings import RevwhSettings

RAW_GROUP = "raw"
FILES_KEY = AssetKey(["raw", "_files"])
PULL_KEY = AssetKey(["ad_platform_pull"])  # the nightly pull writes into the landing dir first


def raw_key(table: str) -> AssetKey:
    return AssetKey(["raw", table])


def _table_metadata(report: LoadReport, table: str) -> dict[str, object]:
    return {
        # new to the warehouse analysts see; files the older generation caught up on apart
        "files_loaded": sum(1 for f in report.new_loads() if f.table == table),
        "rows_loaded": report.rows_loaded(table),
        "files_caught_up": sum(1 for f in report.loaded if f.table == table and f.file in report.caught_up),
        "files_unchanged": sum(1 for f in report.skipped if f.table == table),
        "files_removed": sum(1 for f in report.removed if f.table == table),
        "files_rejected": [f.reason for f in report.rejected if f.table == table],
    }


@multi_asset(
    specs=[
        AssetSpec(
            raw_key(t.name),
            group_name=RAW_GROUP,
            deps=[PULL_KEY] if t.folder.startswith("ads/") else [QBO_PULL_KEY] if t.folder == "accounting" else [],
            description=f"Landed rows of {t.folder}/{t.name}*, as text, with file and row.",
            skippable=True,  # not materialized by a run with nothing new: downstream skips
        )
        for t in TABLES
    ]
    + [
        AssetSpec(
            FILES_KEY,
            group_name=RAW_GROUP,
            description="Loader bookkeeping: each landing file, its hash, rows, outcome.",
            skippable=True,
        )
    ],
    check_specs=gate_specs(raw_key),
    name="load_landing_files",
    # Subsettable only so that its outputs and gate checks are optional: a run with nothing new
    # yields none of them and Dagster skips everything downstream. The load itself is all or nothing.
    can_subset=True,
)
def load_landing_files(context: AssetExecutionContext, settings: RevwhSettings, run_lock: RunLock):
    """Bring raw.* to the state the landing directory describes now (see ingest/loader.py); the
    work is orchestration/run/landing_load.py's, this body says it in Dagster's terms."""
    _require_whole_selection(context)
    try:
        plan = plan_load(settings)
        if isinstance(plan, NothingChanged):
            context.log.info(plan.line)
            return
        working = start_working(settings, plan)
        context.log.info(working.why)
        outcome = load_into_working(settings, plan, working)
    except LoadStopped as exc:  # the step fails with its one line (and the error behind it, if any)
        raise Failure(description=str(exc)) from exc.__cause__
    report, findings = outcome.report, outcome.findings
    _log_load(context, report)
    results = gate_results(report, raw_key, findings)
    for t in TABLES:
        yield MaterializeResult(asset_key=raw_key(t.name), metadata=_table_metadata(report, t.name))
    if blocked_line(results) is None:
        # withheld when a gate blocks: dbt reads it, so Dagster skips dbt, publish and the reports
        # (orchestration/pipeline/gates.py); landing_gate_verdict then fails the run with one line
        yield MaterializeResult(
            asset_key=FILES_KEY,
            metadata={"rejected": len(report.rejected), "unrecognized": len(report.unrecognized),
                      "working_file": working.why},
        )
    _log_findings(context, findings)
    yield from results


def _require_whole_selection(context: AssetExecutionContext) -> None:
    unselected = set(load_landing_files.keys) - set(context.selected_asset_keys)
    if unselected:
        raise Failure(description="the landing load brings every raw table up to date together: select all of "
                      f"load_landing_files (missing {sorted(k.to_user_string() for k in unselected)[:3]})")


def _log_load(context: AssetExecutionContext, report: LoadReport) -> None:
    """The rejected and ignored files, then what the load did."""
    for rejected in report.rejected:
        context.log.error(f"rejected {rejected.file}: {rejected.reason}")
    for unknown in report.unrecognized:
        context.log.warning(f"ignored {unknown.rel_path}: {unknown.reason}")
    context.log.info(
        f"loaded {len(report.new_loads())} new files, "
        f"{sum(f.rows for f in report.new_loads())} rows "
        f"({len(report.caught_up)} more caught up from the previous generation); "
        f"{len(report.skipped)} unchanged, {len(report.removed)} removed, "
        f"{len(report.rejected)} rejected"
    )


def _log_findings(context: AssetExecutionContext, findings: dict[str, list[GateFinding]]) -> None:
    for table, items in sorted(findings.items()):
        for item in items:
            log = context.log.error if item.severity == "error" else context.log.warning
            log(f"{table}: {item.message}")


VERDICT_KEY = AssetKey(["landing_gate_verdict"])


@asset(
    key=VERDICT_KEY,
    group_name=RAW_GROUP,
    deps=[raw_key(t.name) for t in TABLES],
    description="The landing gates' verdict on this run's files: recorded as passed, or the run fails"
    " here with the refused file, line, column and rule (dbt, publish and the reports are then skipped).",
)
def landing_gate_verdict(context: AssetExecutionContext) -> MaterializeResult:
    """Say why the run was blocked, as the run's one failure: a step nothing depends on, so
    Dagster logs no abandoned steps (orchestration/pipeline/gates.py)."""
    entries = context.instance.all_logs(context.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    evaluations = [e.dagster_event.asset_check_evaluation_data for e in entries if e.dagster_event is not None]
    gates = [e for e in evaluations if e.check_name == GATE_CHECK]
    blocked = blocked_line(gates)
    if blocked:
        raise LandingBlocked(blocked) from None
    return MaterializeResult(metadata={"verdict": "passed", "warnings": sum(1 for e in gates if not e.passed)})
