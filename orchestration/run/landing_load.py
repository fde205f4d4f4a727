"""The landing load of a run, in the run's own terms: decide whether there is anything to load,
start the working file, then load the landing directory into it and gather the landing gate's
findings.

orchestration/pipeline/landing_assets.py is the Dagster side of it: it turns `LoadStopped` into
the step's failure, logs, and yields the raw assets and their gate checks. Kept apart so that
each step here does one thing and reads (and can be tested) without Dagster's vocabulary.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from ingest.disk_full import DiskFull, disk_full_line, is_disk_full
from ingest.landing import LandingFile, UnrecognizedFile, discover
from ingest.loader import LoadReport, load_landing
from orchestration.close.month_close import ensure_closed_schema
from orchestration.engines.base import PublishedInputs
from orchestration.engines.postgres.connection import PostgresUnavailable
from orchestration.engines.targets import engine_for
from orchestration.run import inputs as run_inputs
from orchestration.run import progress
from orchestration.run.findings import GateFinding
from orchestration.run.guards import (
    GuardError,
    SourceCount,
    check_as_of,
    check_landing_not_empty,
    shrink_findings,
    source_counts,
)
from orchestration.run.quality import quality_findings
from orchestration.run.restore import open_error_message
from orchestration.run.working_copy import WorkingFile, start_working_file
from orchestration.settings import RevwhSettings, run_timestamp


class LoadStopped(Exception):
    """The load cannot start or cannot go on: the message is one line for a person.

    Its `__cause__` is the error behind it (a full disk), or None for a cause a person fixes
    (a guard, a damaged published file, PostgreSQL down): the step's failure keeps that cause."""


@dataclass(frozen=True)
class NothingChanged:
    """The published warehouse was built from this run's very inputs: nothing to load or rebuild."""

    line: str


@dataclass(frozen=True)
class LoadPlan:
    """What the load works from, decided before the working file is touched."""

    landing: Path
    discovered: tuple[list[LandingFile], list[UnrecognizedFile]]
    previous: PublishedInputs | None  # what the published marts were built from
    inputs: str  # this run's fingerprint (orchestration/run/inputs.py)
    reuse_previous: bool  # may the working file start from the previous generation
    before: dict[str, SourceCount]  # the shrink check's baseline: what analysts see now


@dataclass(frozen=True)
class LoadOutcome:
    """The loader's report and the landing gate's findings per table (suites and shrink)."""

    report: LoadReport
    findings: dict[str, list[GateFinding]]


def published_source_counts(settings: RevwhSettings) -> dict[str, SourceCount]:
    """The published warehouse's loaded files and rows per table (the shrink check's baseline)."""
    if not settings.published().exists():
        return {}
    con = duckdb.connect(str(settings.published()), read_only=True)
    try:
        return source_counts(con)
    finally:
        con.close()


def plan_load(settings: RevwhSettings) -> NothingChanged | LoadPlan:
    """Pass the guards, discover the landing files and compare this run's inputs with what the
    published marts were built from: the same inputs (and no --rebuild) leave nothing to do."""
    landing = settings.landing()
    _check_guards(settings.as_of_date(), landing)
    discovered = discover(landing, settle_seconds=settings.settle())
    previous, closes = _file_inputs(settings.published())
    engine = engine_for(settings.target, settings.published())
    try:  # on PostgreSQL and Spark the marts analysts read are the engine's: what they were built from decides
        previous = engine.published_inputs(previous)
    except PostgresUnavailable as exc:
        raise LoadStopped(str(exc)) from None
    inputs = run_inputs.fingerprint(landing, *discovered, settings.run_vars(), closes)
    if previous is not None and previous.fingerprint == inputs and not settings.rebuild:
        return _nothing_changed(previous)
    before = published_source_counts(settings)  # what analysts see now, whatever the run starts from
    # A file still being written keeps the published warehouse's version of it (ingest/loader.py),
    # which an older generation may not hold: such a run starts from a copy.
    being_written = any(item.waiting for item in discovered[1])
    return LoadPlan(landing, discovered, previous, inputs,
                    reuse_previous=engine.marts_in_file and not being_written, before=before)


def _check_guards(as_of: date, landing: Path) -> None:
    """A plausible as-of date and a landing directory that holds files (run/guards.py)."""
    try:
        check_as_of(as_of, date.today())
        check_landing_not_empty(landing)
    except GuardError as exc:
        raise LoadStopped(str(exc)) from None


def _file_inputs(published: Path) -> tuple[PublishedInputs | None, list[tuple]]:
    """The warehouse file's record of its inputs and its close log."""
    try:
        return run_inputs.published_inputs(published)
    except duckdb.Error as exc:  # a damaged file (runs from the UI; `revwh run` checks before the job)
        raise LoadStopped(open_error_message(published, exc)) from None


def _nothing_changed(previous: PublishedInputs) -> NothingChanged:
    line = (f"nothing changed since run {previous.run_id} published this warehouse as of {previous.as_of} "
            "(same landing files, as-of date, settings, models and closes): nothing rebuilt")
    progress.report(line)
    return NothingChanged(line)


def start_working(settings: RevwhSettings, plan: LoadPlan) -> WorkingFile:
    """The run's working file (orchestration/run/working_copy.py); the published one stays as is."""
    return start_working_file(settings.published(), settings.building(), reuse_previous=plan.reuse_previous)


def load_into_working(settings: RevwhSettings, plan: LoadPlan, working: WorkingFile) -> LoadOutcome:
    """Bring raw.* in the working file to the state the landing directory describes, record this
    run's inputs, and check what landed. A full disk stops the load with one line."""
    progress.report(f"loading landing files from {plan.landing}")
    con = duckdb.connect(str(settings.building()), config={"memory_limit": settings.memory_limit})
    try:
        report = _load(con, settings, plan, working)
        findings = _gate_findings(con, report, settings, plan.before)
        con.close()  # writes what the checkpoint left: a full disk may show here too
    except BaseException as exc:
        with contextlib.suppress(duckdb.Error):  # the error that stopped the load is the one to show
            con.close()
        _stop_if_disk_full(exc, settings.building().parent)
        raise
    return LoadOutcome(report, findings)


def _load(con: duckdb.DuckDBPyConnection, settings: RevwhSettings, plan: LoadPlan,
          working: WorkingFile) -> LoadReport:
    """The loader (ingest/loader.py), the closes' schema dbt reads, this run's inputs, a checkpoint."""
    report = load_landing(
        con, plan.landing, loaded_at=run_timestamp(), progress=progress.report, discovered=plan.discovered,
        earlier_loads=working.earlier_loads, scratch_dir=settings.building().parent,
    )
    ensure_closed_schema(con)  # month-end closes (orchestration/close/month_close.py), read by dbt
    state = run_inputs.model_state(settings.run_vars())
    mode = run_inputs.build_mode(plan.previous, state, settings.rebuild)
    run_inputs.record(con, plan.inputs, state, mode)
    con.execute("checkpoint")
    return report


def _gate_findings(con: duckdb.DuckDBPyConnection, report: LoadReport, settings: RevwhSettings,
                   before: dict[str, SourceCount]) -> dict[str, list[GateFinding]]:
    """The expectation suites' findings on the rows this run landed, then the shrink guard's."""
    if report.new_loads():
        progress.report("checking the landed rows (expectation suites, in DuckDB)")
    findings = quality_findings(con, report, settings.as_of_date())
    shrunk = shrink_findings(
        before, source_counts(con), Decimal(settings.shrink_threshold), allowed=settings.allow_shrink,
        rejected_tables=frozenset(f.table for f in report.rejected),
    )
    for table, items in shrunk.items():
        findings.setdefault(table, []).extend(items)
    return findings


def _stop_if_disk_full(exc: BaseException, scratch: Path) -> None:
    """A full disk, however it showed (the loader, the checkpoint, the suites), as one line."""
    if isinstance(exc, DiskFull):
        raise LoadStopped(str(exc)) from exc
    if isinstance(exc, (duckdb.Error, OSError)) and is_disk_full(exc):
        raise LoadStopped(disk_full_line("loading the landing files", scratch)) from exc
