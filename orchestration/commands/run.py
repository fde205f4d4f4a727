"""`revwh run` and `revwh demo`: both call orchestration.run.runner.run_pipeline, the very job the
Dagster UI and schedule run.

Before anything starts, the paths, the as-of date and the target's install are checked, so a
missing directory, a bad or future date or an absent Spark install is one line, never a traceback.
The runner (Dagster, dbt) is imported only inside the handlers, so `revwh --help` answers at once.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import date, timedelta
from pathlib import Path

from orchestration.commands.errors import UserError
from orchestration.engines.targets import TARGETS


def _valid_date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


_SIZE = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def _valid_size(text: str) -> str:
    """A DuckDB memory size: caught here so a typo is one line, not a DuckDB error mid-run."""
    if not _SIZE.match(text.strip()):
        raise argparse.ArgumentTypeError(f"expected a size such as 2GB or 1500MB, got {text!r}")
    return text.strip()


def _check_run_paths(landing: Path, warehouse: Path, as_of: str, *, new: bool = False) -> None:
    """Refuse, before anything starts, what would fail or publish nonsense. A warehouse whose
    directory does not exist is a mistyped path, unless `new` (`--new`): then it is created."""
    from orchestration.run.guards import GuardError, check_as_of, check_landing_not_empty

    try:
        check_as_of(date.fromisoformat(as_of), date.today())
        check_landing_not_empty(landing)
    except GuardError as exc:
        raise UserError(str(exc)) from None
    if warehouse.is_dir():
        raise UserError(f"warehouse path {warehouse} is a directory: give a file name, e.g. {warehouse}/revwh.duckdb")
    parent = warehouse.resolve().parent
    if not parent.exists():
        if not new:
            raise UserError(f"the warehouse directory {warehouse.absolute().parent} does not exist: check the path,"
                            " or add --new to start a new warehouse there")
        try:
            parent.mkdir(parents=True)
        except OSError as exc:
            raise UserError(f"cannot create the warehouse directory {parent}: {exc.strerror}") from None
    if parent.exists() and not os.access(parent, os.W_OK):
        raise UserError(f"cannot write the warehouse: {parent} is not writable")


def _execute(landing: Path, warehouse: Path, as_of: str, wait: float, **settings: object) -> int:
    from orchestration.engines.postgres.connection import PostgresUnavailable
    from orchestration.run.restore import WarehouseUnreadable
    from orchestration.run.runner import run_pipeline
    from orchestration.run.warehouse_lock import WarehouseBusy

    try:
        outcome = run_pipeline(landing, warehouse, as_of, lock_wait_seconds=wait, **settings)
    except WarehouseBusy as exc:
        print(f"revwh: {exc}; try again when it has finished (or use --wait SECONDS)", file=sys.stderr)
        return 1
    except WarehouseUnreadable as exc:  # a damaged file: one line naming `revwh restore`
        print(f"revwh: {exc}", file=sys.stderr)
        return 1
    except PostgresUnavailable as exc:
        print(f"revwh: {exc}; the published warehouse was not changed.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("revwh: interrupted; the published warehouse was not changed.", file=sys.stderr)
        return 130
    state = (f"the new warehouse was published ({warehouse}); a later step did not finish" if outcome.published
             else "the published warehouse was not changed")
    if outcome.interrupted:
        print(f"revwh: interrupted; {state}.", file=sys.stderr)
        return 130
    if outcome.success:
        from orchestration.run.summary import run_summary

        if outcome.unchanged:
            print("Nothing changed since the published warehouse was built (same landing files, as-of date,"
                  " settings, models and closes): nothing was rebuilt; the figures below stand.")
        if outcome.reports_written:
            print(f"Reports for {outcome.reports_written} were missing: written now"
                  f" ({outcome.reports_count} file(s) in {outcome.reports_dir}).")
        print(run_summary(warehouse.resolve(), date.fromisoformat(as_of), target=str(settings.get("target", "duckdb"))))
        return 0
    if outcome.blocked:
        print(f"revwh: the run was blocked; {state}.", file=sys.stderr)
    else:
        print(f"revwh: the run failed; {state}.", file=sys.stderr)
    for line in outcome.failures[:10]:
        print(f"  {line}", file=sys.stderr)
    print(f"  (run {outcome.run_id} in the Dagster UI: revwh ui)", file=sys.stderr)
    return 1


def _check_target_installed(target: str) -> None:
    """Spark support is an optional install (pyspark alone is about 490 MB): say how to add it."""
    from orchestration.engines.targets import engine_for

    missing = engine_for(target, Path()).missing_install()
    if missing:
        raise UserError(missing)


def _cmd_run(args: argparse.Namespace) -> int:
    landing, warehouse = Path(args.landing), Path(args.warehouse)
    _check_run_paths(landing, warehouse, args.as_of, new=args.new)
    _check_target_installed(args.target)
    print(f"revwh run: landing {landing}, warehouse {warehouse}, as of {args.as_of}", file=sys.stderr)
    return _execute(
        landing, warehouse, args.as_of, args.wait, pull_ad_platforms=args.pull, allow_shrink=args.allow_shrink,
        rebuild=args.rebuild, target=args.target,
        **({"memory_limit": args.memory_limit} if args.memory_limit else {}),
    )


def _cmd_demo(args: argparse.Namespace) -> int:
    from ingest.demo import generate_landing

    out = Path(args.dir)
    landing, warehouse = out / "landing", out / "revwh.duckdb"
    if date.fromisoformat(args.as_of) > date.today():
        raise UserError(f"as-of date {args.as_of} is after today ({date.today()})")
    print(f"revwh demo: generating {args.size} dealers into {landing} (as of {args.as_of})", file=sys.stderr)
    counts = generate_landing(landing, as_of=date.fromisoformat(args.as_of), size=args.size, seed=args.seed)
    print(f"  … wrote {len(counts)} files, {sum(counts.values()):,} rows", file=sys.stderr)
    # A demo regenerated at another size or date may legitimately shrink: it is demo data. Its files
    # were written just now by this very command, and completely: no settling wait.
    return _execute(landing, warehouse, args.as_of, 0.0, allow_shrink=True, settle_seconds=0)


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    """`revwh run` and `revwh demo`."""
    yesterday = (date.today() - timedelta(days=1)).isoformat()  # a nightly run on day D uses D - 1
    run = sub.add_parser("run", help="load a landing directory and build the warehouse")
    run.add_argument("--landing", required=True, help="landing directory (docs/landing-contract.md)")
    run.add_argument("--warehouse", required=True, help="DuckDB file to publish")
    run.add_argument("--as-of", required=True, type=_valid_date, help="as-of date T, YYYY-MM-DD (not after today)")
    run.add_argument(
        "--pull",
        action="store_true",
        help="first pull each configured ad platform's lookback window ending at T (see docs/connectors.md)",
    )
    run.add_argument(
        "--allow-shrink",
        action="store_true",
        help="publish even when a source lost all its files or more than 20%% of its rows",
    )
    run.add_argument(
        "--memory-limit", type=_valid_size, metavar="SIZE",
        help="DuckDB memory limit of each process of the run, e.g. 4GB (default: docs/configuration.md);"
        " beyond it DuckDB spills to disk beside the warehouse",
    )
    run.add_argument(
        "--rebuild",
        action="store_true",
        help="rebuild everything (incremental models included) even when nothing changed since the published warehouse",
    )
    run.add_argument(
        "--target", choices=TARGETS, default="duckdb",
        help="where the marts are built and published: duckdb (the --warehouse file, default), postgres (the"
        " server named by REVWH_PG_*) or spark (pyspark in local mode, in REVWH_SPARK_DIR); on postgres and spark"
        " --warehouse is the landing store (docs/engines.md)",
    )
    run.add_argument(
        "--new", action="store_true",
        help="start a new warehouse in a directory that does not exist yet (created); without it such a"
        " directory is taken for a mistyped path and refused",
    )
    run.add_argument(
        "--wait", type=float, default=0.0, metavar="SECONDS",
        help="wait up to SECONDS for another run writing the same warehouse (default: refuse at once)",
    )
    run.set_defaults(func=_cmd_run)

    demo = sub.add_parser("demo", help="generate demo data and run the pipeline on it")
    demo.add_argument("--dir", default="demo", help="where to put landing/ and revwh.duckdb")
    demo.add_argument("--size", type=int, default=300, help="number of dealers")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--as-of", type=_valid_date, default=yesterday)
    demo.set_defaults(func=_cmd_demo)
