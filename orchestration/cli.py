"""`revwh`: run the pipeline, the demo, or the Dagster UI.

`revwh run` executes the very job the Dagster UI and schedule run (orchestration.definitions),
in-process, with the landing dir, warehouse and as-of date from the command line. User
mistakes (a missing directory, a bad date, a blocked gate) end in a short message and a
non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from orchestration.settings import REPO_ROOT

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class UserError(Exception):
    """A problem the user can fix; printed as one line, no traceback."""


@dataclass
class RunOutcome:
    success: bool
    failures: list[str]


def _valid_date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def run_pipeline(landing: Path, warehouse: Path, as_of: str, **rule_settings: object) -> RunOutcome:
    """Execute the nightly job in-process; on failure the published warehouse is untouched."""
    os.environ["REVWH_PROGRESS"] = os.environ.get("REVWH_PROGRESS", "1")
    warnings.filterwarnings("ignore")
    from dagster import DagsterInstance

    from orchestration.definitions import NIGHTLY_JOB, build_definitions
    from orchestration.settings import RevwhSettings

    settings = RevwhSettings(landing_dir=str(landing), warehouse_path=str(warehouse), as_of=as_of, **rule_settings)
    job = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
    # dagster-dbt echoes dbt's log to stdout; keep it for the error report instead.
    captured = io.StringIO()
    with DagsterInstance.ephemeral() as instance, contextlib.redirect_stdout(captured):
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
    failures: list[str] = []
    if not result.success:
        failures += _failed_checks(result.all_events)
        failures += _dbt_failures(captured.getvalue())
        for event in result.all_events:
            if failures and event.is_step_failure:
                continue  # the check or dbt lines above already say why
            if event.is_step_failure and event.step_failure_data is not None:
                err = event.step_failure_data.error
                message = err.message.strip().splitlines()[0] if err else "unknown error"
                failures.append(f"step {event.step_key} failed: {message}")
        settings.building().unlink(missing_ok=True)
    return RunOutcome(result.success, failures)


_DBT_FAILURE = re.compile(
    r"(Failure in (?:test|model) \S+|Runtime Error in \S+.*|Got \d+ results?.*|"
    r"Database Error in \S+.*)"
)


def _failed_checks(events: list) -> list[str]:
    """One line per failed gate: which check on which asset, and its first reason."""
    lines = []
    for event in events:
        data = event.asset_check_evaluation_data if event.event_type_value == "ASSET_CHECK_EVALUATION" else None
        if data is None or data.passed or data.severity.value != "ERROR":
            continue
        meta = data.metadata or {}
        errors = meta.get("errors")
        reasons = list(errors.value) if errors is not None else []
        name = f"{data.asset_key.to_user_string()} {data.check_name}"
        if not reasons and data.description:
            reasons = [data.description]
        lines += [f"check {name} failed: {r}" for r in reasons[:5]] or [f"check {name} failed"]
    return lines


_DBT_ERROR_HEAD = re.compile(r"(Runtime|Database|Compilation) Error in \S+")


def _dbt_failures(dbt_log: str) -> list[str]:
    """The lines of dbt's log that say which model or test failed and why.

    An error line ("Runtime Error in model ar_aging ...") gets the first line of its cause, which
    dbt prints on the next non-empty line, so the user sees why and not only where."""
    lines = [line for line in (ANSI.sub("", raw).strip() for raw in dbt_log.splitlines()) if line]
    picked = []
    for i, line in enumerate(lines):
        if not _DBT_FAILURE.search(line):
            continue
        if _DBT_ERROR_HEAD.search(line) and i + 1 < len(lines) and not _DBT_FAILURE.search(lines[i + 1]):
            line = f"{line}: {lines[i + 1]}"
        picked.append(line)
    return [f"dbt: {line}" for line in dict.fromkeys(picked)]


def _cmd_run(args: argparse.Namespace) -> int:
    landing = Path(args.landing)
    if not landing.is_dir():
        raise UserError(f"landing directory not found: {landing}")
    warehouse = Path(args.warehouse)
    print(f"revwh run: landing {landing}, warehouse {warehouse}, as of {args.as_of}", file=sys.stderr)
    outcome = run_pipeline(landing, warehouse, args.as_of, pull_ad_platforms=args.pull)
    return _finish(outcome, warehouse)


def _finish(outcome: RunOutcome, warehouse: Path) -> int:
    from orchestration.summary import run_summary

    if not outcome.success:
        print("revwh: the run was blocked; the published warehouse was not changed.", file=sys.stderr)
        for line in outcome.failures[:10]:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(run_summary(warehouse.resolve()))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from ingest.demo import generate_landing

    out = Path(args.dir)
    landing, warehouse = out / "landing", out / "revwh.duckdb"
    print(f"revwh demo: generating {args.size} dealers into {landing} (as of {args.as_of})", file=sys.stderr)
    counts = generate_landing(landing, as_of=date.fromisoformat(args.as_of), size=args.size, seed=args.seed)
    print(f"  … wrote {len(counts)} files, {sum(counts.values()):,} rows", file=sys.stderr)
    return _finish(run_pipeline(landing, warehouse, args.as_of), warehouse)


def _cmd_ui(args: argparse.Namespace) -> int:
    env = {**os.environ}
    env.setdefault("DAGSTER_HOME", str(REPO_ROOT / ".dagster_home"))
    home = Path(env["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():  # no telemetry from a finance machine
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    if args.landing:
        env["REVWH_LANDING"] = str(Path(args.landing).resolve())
    if args.warehouse:
        env["REVWH_WAREHOUSE"] = str(Path(args.warehouse).resolve())
    dagster = Path(sys.executable).parent / "dagster"
    cmd = [
        str(dagster) if dagster.exists() else "dagster",
        "dev",
        "-w",
        str(REPO_ROOT / "workspace.yaml"),
        "-h",
        "127.0.0.1",
        "-p",
        str(args.port),
    ]
    print(f"revwh ui: Dagster UI on http://127.0.0.1:{args.port} (Ctrl-C to stop)", file=sys.stderr)
    return subprocess.call(cmd, cwd=REPO_ROOT, env=env)


def build_parser() -> argparse.ArgumentParser:
    from orchestration.settings import yesterday

    parser = argparse.ArgumentParser(prog="revwh", description="Revenue warehouse pipeline.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="load a landing directory and build the warehouse")
    run.add_argument("--landing", required=True, help="landing directory (SPEC section 1)")
    run.add_argument("--warehouse", required=True, help="DuckDB file to publish")
    run.add_argument("--as-of", required=True, type=_valid_date, help="as-of date T, YYYY-MM-DD")
    run.add_argument(
        "--pull",
        action="store_true",
        help="first pull each configured ad platform's lookback window ending at T (see docs/connectors.md)",
    )
    run.set_defaults(func=_cmd_run)

    demo = sub.add_parser("demo", help="generate demo data and run the pipeline on it")
    demo.add_argument("--dir", default="demo", help="where to put landing/ and revwh.duckdb")
    demo.add_argument("--size", type=int, default=300, help="number of dealers")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--as-of", type=_valid_date, default=yesterday().isoformat())
    demo.set_defaults(func=_cmd_demo)

    ui = sub.add_parser("ui", help="start the Dagster UI on 127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.add_argument("--landing", help="landing directory for runs launched from the UI")
    ui.add_argument("--warehouse", help="warehouse file for runs launched from the UI")
    ui.set_defaults(func=_cmd_ui)

    from ingest.platforms.cli import add_pull_subcommand

    add_pull_subcommand(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"revwh: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
