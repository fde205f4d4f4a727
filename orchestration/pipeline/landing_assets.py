"""The raw assets: one per landed table, all materialized by one load of the landing dir.

The load starts the run's working file (orchestration/run/working_copy.py: the previous generation
caught up, or a copy of the published file), so a run that fails later leaves the published
warehouse as it was. A run whose inputs are those of
the published warehouse (orchestration/run/inputs.py) stops here: the raw assets are skippable,
so Dagster skips dbt, publish and the reports.
"""

import contextlib
from datetime import date
from decimal import Decimal

import duckdb
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
from ingest.disk_full import DiskFull, disk_full_line, is_disk_full
from ingest.landing import discover
from ingest.loader import LoadReport, load_landing
from orchestration.close.month_close import ensure_closed_schema
from orchestration.engines.postgres.connection import PostgresUnavailable
from orchestration.engines.targets import engine_for
from orchestration.pipeline.gates import GATE_CHECK, LandingBlocked, blocked_line, gate_results, gate_specs
from orchestration.pipeline.quickbooks_asset import QBO_PULL_KEY
from orchestration.pipeline.run_lock import RunLock
from orchestration.run import inputs as run_inputs
from orchestration.run import progress
from orchestration.run.guards import GuardError, check_as_of, check_landing_not_empty, shrink_findings, source_counts
from orchestration.run.quality import quality_findings
from orchestration.run.restore import open_error_message
from orchestration.run.working_copy import start_working_file
from orchestration.settings import RevwhSettings, run_timestamp

RAW_GROUP = "raw"
FILES_KEY = AssetKey(["raw", "_files"])
PULL_KEY = AssetKey(["ad_platform_pull"])  # the nightly pull writes into the landing dir first


def raw_key(table: str) -> AssetKey:
    return AssetKey(["raw", table])


def published_source_counts(settings: RevwhSettings) -> dict:
    """The published warehouse's loaded files and rows per table (the shrink check's baseline)."""
    if not settings.published().exists():
        return {}
    con = duckdb.connect(str(settings.published()), read_only=True)
    try:
        return source_counts(con)
    finally:
        con.close()


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
    """Bring raw.* to the state the landing directory describes now (see ingest/loader.py)."""
    landing = settings.landing()
    unselected = set(load_landing_files.keys) - set(context.selected_asset_keys)
    if unselected:
        raise Failure(description="the landing load brings every raw table up to date together: select all of "
                      f"load_landing_files (missing {sorted(k.to_user_string() for k in unselected)[:3]})")
    try:
        check_as_of(settings.as_of_date(), date.today())
        check_landing_not_empty(landing)
    except GuardError as exc:
        raise Failure(description=str(exc)) from None
    discovered = discover(landing, settle_seconds=settings.settle())
    try:
        previous, closes = run_inputs.published_inputs(settings.published())
    except duckdb.Error as exc:  # a damaged file (runs from the UI; `revwh run` checks before the job)
        raise Failure(description=open_error_message(settings.published(), exc)) from None
    engine = engine_for(settings.target, settings.published())
    try:  # on PostgreSQL and Spark the marts analysts read are the engine's: what they were built from decides
        previous = engine.published_inputs(previous)
    except PostgresUnavailable as exc:
        raise Failure(description=str(exc)) from None
    inputs = run_inputs.fingerprint(landing, *discovered, settings.run_vars(), closes)
    if previous is not None and previous.fingerprint == inputs and not settings.rebuild:
        line = (f"nothing changed since run {previous.run_id} published this warehouse as of {previous.as_of} "
                "(same landing files, as-of date, settings, models and closes): nothing rebuilt")
        progress.report(line)
        context.log.info(line)
        return
    before = published_source_counts(settings)  # what analysts see now, whatever the run starts from
    # A file still being written keeps the published warehouse's version of it (ingest/loader.py),
    # which an older generation may not hold: such a run starts from a copy.
    being_written = any(item.waiting for item in discovered[1])
    working = start_working_file(settings.published(), settings.building(),
                                 reuse_previous=engine.marts_in_file and not being_written)
    context.log.info(working.why)
    progress.report(f"loading landing files from {landing}")
    con = duckdb.connect(str(settings.building()), config={"memory_limit": settings.memory_limit})
    try:
        report = load_landing(
            con, landing, loaded_at=run_timestamp(), progress=progress.report, discovered=discovered,
            earlier_loads=working.earlier_loads, scratch_dir=settings.building().parent,
        )
        ensure_closed_schema(con)  # month-end closes (orchestration/close/month_close.py), read by dbt
        state = run_inputs.model_state(settings.run_vars())
        mode = run_inputs.build_mode(previous, state, settings.rebuild)
        run_inputs.record(con, inputs, state, mode)
        con.execute("checkpoint")
        if report.new_loads():
            progress.report("checking the landed rows (expectation suites, in DuckDB)")
        findings = quality_findings(con, report, settings.as_of_date())
        shrunk = shrink_findings(
            before, source_counts(con), Decimal(settings.shrink_threshold), allowed=settings.allow_shrink,
            rejected_tables=frozenset(f.table for f in report.rejected),
        )
        con.close()  # writes what the checkpoint left: a full disk may show here too
    except BaseException as exc:
        with contextlib.suppress(duckdb.Error):  # the error that stopped the load is the one to show
            con.close()
        if isinstance(exc, DiskFull):
            raise Failure(description=str(exc)) from exc
        if isinstance(exc, (duckdb.Error, OSError)) and is_disk_full(exc):  # the checkpoint, the gate
            raise Failure(description=disk_full_line("loading the landing files", settings.building().parent)) from exc
        raise
    for table, items in shrunk.items():
        findings.setdefault(table, []).extend(items)
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
    for table, items in sorted(findings.items()):
        for item in items:
            log = context.log.error if item.severity == "error" else context.log.warning
            log(f"{table}: {item.message}")
    yield from results


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
