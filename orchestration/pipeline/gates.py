"""The landing gate: one asset check per raw table, evaluated on what this run landed.

A failing ERROR-level gate blocks the run: the load step then withholds raw/_files, which every
dbt model's build reads (stg_landing__files), so Dagster *skips* dbt, publish and the reports and
the previously published warehouse stays as it was; the step `landing_gate_verdict`
(orchestration/pipeline/landing_assets.py) fails the run with one line (`LandingBlocked`: file, line,
column, rule). The checks are not Dagster-"blocking": a blocking check that fails makes its step
fail with a list of check names and a stack trace, and every step downstream is then logged as
"Dependencies for step ... failed: ['dbt_models', 'dbt_models', ...]", one entry per asset it
reads (about a hundred for publish): the wall finance saw. Warnings (rows that staging will
quarantine) fail the check at WARN severity: the UI shows them, the run goes on. Today the gate
fails on a rejected file; the expectation suites (orchestration/run/quality.py) add their findings
through `extra_checks`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from dagster import AssetCheckEvaluation, AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey

from ingest.contract import TABLES
from ingest.loader import LoadReport
from orchestration.run.findings import GateFinding

GATE_CHECK = "landing_gate"


class LandingBlocked(Exception):
    """The gate refused this run's data: one line for the person who fixes the file.

    Raised by `landing_gate_verdict`, a step nothing depends on, so the run fails with this line
    and no step is logged as abandoned. A cause on the user's side has no stack to show: the
    traceback is never kept, so the UI's step-failure event reads only "LandingBlocked: <file>
    line <n>, column <c>: <rule>"."""

    @property  # type: ignore[override]
    def __traceback__(self) -> None:
        return None

    @__traceback__.setter
    def __traceback__(self, _value: object) -> None:
        pass


class DbtStopped(LandingBlocked):
    """dbt refused the run's data (a failed test) or could not build a model: one line naming
    the test or model (orchestration/run/failures.py dbt_stop_line), never dagster-dbt's stack."""


def blocked_line(results: Iterable[AssetCheckResult | AssetCheckEvaluation]) -> str | None:
    """The line a blocked run's step failure says: the first refused file's reason, and how many
    more problems the checks list; None when no gate blocks. Takes the load step's results or the
    evaluations the run recorded."""
    errors = [
        (r.asset_key.to_user_string() if r.asset_key else "", str(reason))
        for r in results
        if not r.passed and r.severity == AssetCheckSeverity.ERROR
        for reason in (r.metadata["errors"].value if "errors" in r.metadata else [r.description])
    ]
    if not errors:
        return None
    table, first = errors[0]
    more = f" (and {len(errors) - 1} more: see the landing_gate checks)" if len(errors) > 1 else ""
    return f"the landing gate blocked the run: {table}: {first}{more}; fix the file and run again"


ExtraChecks = Mapping[str, Iterable[GateFinding]]


def gate_specs(raw_key: Callable[[str], AssetKey]) -> list[AssetCheckSpec]:
    return [
        AssetCheckSpec(
            GATE_CHECK,
            asset=raw_key(t.name),
            blocking=False,  # blocks by withholding raw/_files (module docstring)
            description="Blocks the run when a file of this table was rejected or an error-level"
            " expectation failed on the rows this run landed.",
        )
        for t in TABLES
    ]


def gate_results(
    report: LoadReport,
    raw_key: Callable[[str], AssetKey],
    extra_checks: ExtraChecks | None = None,
) -> list[AssetCheckResult]:
    """One check result per raw table from the load report and any extra findings."""
    results = []
    for t in TABLES:
        findings = [GateFinding("error", f.reason) for f in report.rejected if f.table == t.name]
        if extra_checks is not None:
            findings += list(extra_checks.get(t.name, []))
        errors = [f for f in findings if f.severity == "error"]
        warnings = [f for f in findings if f.severity != "error"]
        results.append(
            AssetCheckResult(
                asset_key=raw_key(t.name),
                check_name=GATE_CHECK,
                # A warning is a failed WARN evaluation, never "Passed": a quarantined invoice or
                # payment is money left out of the figures, and finance must see it in the UI. Only
                # ERROR blocks the run (Dagster's blocking checks stop downstream assets on ERROR).
                passed=not findings,
                severity=AssetCheckSeverity.ERROR if errors else AssetCheckSeverity.WARN,
                description=(errors or warnings)[0].message if findings else "all gates passed",
                metadata={
                    "errors": [f.message for f in errors][:20],
                    "warnings": [f.message for f in warnings][:20],
                    "failing_rows": sum(f.count for f in findings),
                    "examples": [e for f in findings for e in f.examples][:10],
                    "rows_landed_this_run": report.rows_loaded(t.name),
                },
            )
        )
    return results
