"""`revwh`: parse the command line and hand over; the work is done elsewhere.

`revwh run` and `revwh demo` call orchestration.run.runner.run_pipeline (the very job the Dagster UI
and schedule run); `revwh sql` and `revwh docs` are in orchestration.commands.analyst; `revwh pull` in
ingest.platforms.cli; `revwh post` in orchestration.billing.qbo_post. User mistakes (a missing
directory, a bad or future date, a busy warehouse, a blocked gate) end in a short message and a
non-zero exit, never a traceback.
Heavy modules (Dagster, dbt, the SDKs) are imported only by the command that needs them, so
`revwh --help` answers at once.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from orchestration.engines.targets import TARGETS

REPO_ROOT = Path(__file__).resolve().parents[2]  # orchestration/commands/cli.py: workspace.yaml is there


class UserError(Exception):
    """A problem the user can fix; printed as one line, no traceback."""


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


def _cmd_ui(args: argparse.Namespace) -> int:
    from orchestration.pipeline.instance import dagster_home

    _check_port_free(args.port)  # before anything starts: else the daemon runs with no web page
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home())}
    if args.landing:
        env["REVWH_LANDING"] = str(Path(args.landing).resolve())
    if args.warehouse:
        env["REVWH_WAREHOUSE"] = str(Path(args.warehouse).resolve())
    dagster = Path(sys.executable).parent / "dagster"
    # `dagster dev` starts the webserver and the daemon together, so the schedule and sensors fire.
    cmd = [
        str(dagster) if dagster.exists() else "dagster",
        "dev",
        "-w",
        str(REPO_ROOT / "workspace.yaml"),
        "-h",
        UI_HOST,
        "-p",
        str(args.port),
    ]
    print(f"revwh ui: Dagster UI on http://{UI_HOST}:{args.port} (Ctrl-C to stop)", file=sys.stderr)
    # its own process group: revwh stops the whole group (webserver, daemon, code servers, runs)
    return _serve_until_stopped(subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, start_new_session=True),
                                port=args.port)


UI_HOST = "127.0.0.1"
STOP_GRACE_SECONDS = 3.0  # `dagster dev` alone gets SIGTERM; what is left of its group then, SIGKILL


def _check_port_free(port: int) -> None:
    """One line when the port is taken: `dagster dev` would start its daemon, fail to start the
    webserver and go on running with no web page."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the webserver binds: TIME_WAIT is free
        try:
            probe.bind((UI_HOST, port))
        except OSError:
            raise UserError(f"port {port} on {UI_HOST} is already in use (another `revwh ui`?): stop it, or"
                            f" choose another port with --port, e.g. `revwh ui --port {port + 1}`") from None


def _serving(port: int) -> bool:
    import socket

    try:
        socket.create_connection((UI_HOST, port), timeout=1).close()
    except OSError:
        return False
    return True


def _serve_until_stopped(dagster_dev: subprocess.Popen, port: int | None = None, poll_seconds: float = 1.0) -> int:
    """Wait for `dagster dev` (started in a process group of its own); stop the whole group when
    revwh gets SIGTERM or SIGINT (Ctrl-C), and when the webserver stops answering on `port` after
    it had (the daemon alone is no use to anyone).

    Stopping: SIGTERM to `dagster dev` alone, which stops its webserver, daemon and code servers
    within seconds (signalled all at once they can hang: measured, still up a minute later); after
    STOP_GRACE_SECONDS whatever is left of the group is killed. Returns `dagster dev`'s exit code."""
    import signal

    requested: list[int] = []
    handler = lambda sig, _frame: requested.append(sig)  # noqa: E731
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        served, failures = False, 0
        while not requested:
            try:
                code = dagster_dev.wait(timeout=poll_seconds)
            except subprocess.TimeoutExpired:
                pass
            else:
                _kill_group(dagster_dev.pid)  # children it left behind
                return code
            if port is None:
                continue
            if _serving(port):
                served, failures = True, 0
            elif served:
                failures += 1
                if failures >= 3:
                    print(f"revwh ui: the Dagster webserver on port {port} stopped; stopping the daemon too",
                          file=sys.stderr)
                    break
        return _stop(dagster_dev) if requested else (_stop(dagster_dev) or 1)
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _stop(dagster_dev: subprocess.Popen) -> int:
    import signal

    try:
        dagster_dev.send_signal(signal.SIGTERM)
        code = dagster_dev.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        _kill_group(dagster_dev.pid)
        code = dagster_dev.wait()
    _kill_group(dagster_dev.pid)
    return code


def _kill_group(pgid: int) -> None:
    """SIGKILL what is left of the process group `pgid` (nothing: nothing to do)."""
    import signal

    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _cmd_restore(args: argparse.Namespace) -> int:
    from orchestration.run.restore import RestoreError, restore_summary, restore_warehouse
    from orchestration.run.warehouse_lock import WarehouseBusy

    try:
        result = restore_warehouse(Path(args.warehouse), Path(args.source) if args.source else None, args.wait)
    except RestoreError as exc:
        raise UserError(str(exc)) from None
    except WarehouseBusy as exc:
        print(f"revwh: {exc}; try again when it has finished (or use --wait SECONDS)", file=sys.stderr)
        return 1
    print(restore_summary(result))
    return 0


def build_parser() -> argparse.ArgumentParser:
    yesterday = (date.today() - timedelta(days=1)).isoformat()  # a nightly run on day D uses D - 1
    parser = argparse.ArgumentParser(prog="revwh", description="Revenue warehouse pipeline.")
    sub = parser.add_subparsers(dest="command", required=True)

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

    ui = sub.add_parser("ui", help="start the Dagster UI and daemon on 127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.add_argument("--landing", help="landing directory for runs launched from the UI")
    ui.add_argument("--warehouse", help="warehouse file for runs launched from the UI")
    ui.set_defaults(func=_cmd_ui)

    restore = sub.add_parser(
        "restore", help="put a readable copy of the warehouse back in place of a damaged one (closes included)")
    restore.add_argument("--warehouse", required=True, help="the published DuckDB file to restore")
    restore.add_argument(
        "--from", dest="source", metavar="BACKUP",
        help="the copy to restore (default: FILE.previous, the generation the last publish replaced)")
    restore.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                         help="wait up to SECONDS for a run writing the warehouse (default: refuse at once)")
    restore.set_defaults(func=_cmd_restore)

    from orchestration.commands.analyst import add_analyst_subcommands

    add_analyst_subcommands(sub, UserError)

    from orchestration.commands.report import add_report_subcommand

    add_report_subcommand(sub, UserError)

    from orchestration.engines.postgres.roles import add_roles_subcommand

    add_roles_subcommand(sub, UserError)

    from orchestration.commands.close import add_close_subcommands, add_invoice_run_subcommand

    add_close_subcommands(sub, UserError)
    add_invoice_run_subcommand(sub, UserError)

    from ingest.platforms.cli import add_pull_subcommand

    add_pull_subcommand(sub)

    from orchestration.billing.qbo_post import add_post_subcommand

    add_post_subcommand(sub, UserError)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"revwh: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("revwh: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
