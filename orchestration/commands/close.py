"""`revwh close --month YYYY-MM [--prepared-by NAME]`, `revwh close --approve --month YYYY-MM
--approved-by NAME`, `revwh close --status` and `revwh reopen --month YYYY-MM --reason TEXT` (month_close.py).

Argument parsing and the one-line messages only; refusals (month not over at the warehouse's
as-of date, already closed, not closed, another run writing) exit 2 or 1 with one line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from orchestration.commands.analyst import DEFAULT_WAREHOUSE
from orchestration.commands.errors import UserError
from orchestration.engines.targets import TARGETS, engine_for

TARGET_HELP = ("the engine serving the marts (as for revwh run); on postgres and spark --warehouse is the landing"
               " store, where the close is kept and from which the next run copies it (docs/engines.md)")


def run_change(action: Callable[[], str], warehouse: Path) -> int:
    """Run a close or reopen; print its line, or the refusal as one line (a warehouse DuckDB
    cannot read, a full disk: the user's to fix, never a traceback)."""
    import duckdb

    from orchestration.close.month_close import CloseError
    from orchestration.run.restore import open_error_message
    from orchestration.run.warehouse_lock import WarehouseBusy

    try:
        print(action())
    except CloseError as exc:
        raise UserError(str(exc)) from None
    except WarehouseBusy as exc:
        print(f"revwh: {exc}; try again when it has finished", file=sys.stderr)
        return 1
    except duckdb.Error as exc:
        raise UserError(open_error_message(warehouse, exc)) from None
    except OSError as exc:  # copying the warehouse to change it: a full disk, a read-only folder
        where = getattr(exc, "filename", None) or warehouse
        raise UserError(f"cannot change {warehouse}: {exc.strerror or exc} ({where});"
                        " the published warehouse was not changed") from None
    return 0


def _cmd_close(args: argparse.Namespace) -> int:
    from orchestration.close.month_close import approve_close, close_month, close_status, parse_month

    warehouse = Path(args.warehouse).expanduser().resolve()
    if args.status:
        def status() -> str:
            rows = close_status(warehouse)
            if not rows:
                return f"revwh close: no month of {warehouse} has been closed"
            return "\n".join(
                f"{month:%Y-%m} close {close_id}: {state}, prepared by {prepared}"
                + (f", approved by {approved}" if approved else "")
                + (" - final" if final else " - NOT FINAL: awaiting approval" if state == "closed" else "")
                for month, close_id, state, prepared, approved, final in rows)
        return run_change(status, warehouse)
    if not args.month:
        raise UserError("give the month: --month YYYY-MM")
    if args.approve:
        if not args.approved_by:
            raise UserError("give who approves: --approve --month YYYY-MM --approved-by NAME")

        def approve() -> str:
            month = parse_month(args.month)
            close_id, preparer = approve_close(warehouse, month, args.approved_by, target=args.target)
            return (f"revwh close: {month:%Y-%m} approved (close {close_id}, prepared by {preparer}, approved by"
                    f" {args.approved_by.strip()}): the close is final"
                    + _write_outputs(warehouse, month, close_id, args.target, args.out))
        return run_change(approve, warehouse)

    def close() -> str:
        r = close_month(warehouse, parse_month(args.month), user=args.prepared_by, target=args.target)
        engine = engine_for(args.target, warehouse)
        in_file = engine.marts_in_file
        source = str(warehouse) if in_file else f"the {args.target} marts into the landing store {warehouse}"
        journal = _write_outputs(warehouse, r.month, r.close_id, args.target, args.out)
        return (f"revwh close: {r.month:%Y-%m} closed (close {r.close_id}): {r.figures} figure(s) and"
                f" {r.files} landing file(s) frozen from {source} as of {r.as_of}, run {r.run_id}; later changes to"
                " them are listed in marts.post_close_adjustments" + ("" if in_file else " after the next run")
                + f"\nprepared by {r.prepared_by}; NOT FINAL until approved by another person:"
                f" revwh close --approve --month {r.month:%Y-%m} --approved-by NAME" + journal)

    return run_change(close, warehouse)


def _write_outputs(warehouse: Path, month: date, close_id: int, target: str, out: str | None) -> str:
    """The close's journal entries and package beside the reports (or in --out): lines saying
    where they are (orchestration/close/package.py). None on Spark yet."""
    if not engine_for(target, warehouse).has_close_package:
        return f"\nno journal entries or close package on --target {target} yet (docs/DECISIONS.md)"
    from orchestration.close.outputs import write_close_outputs
    from orchestration.reports.workbook import reports_dir

    out_dir = Path(out).expanduser().resolve() if out else reports_dir(warehouse)
    journal, rows, xlsx, pdf = write_close_outputs(warehouse, month, close_id, out_dir, target)
    return (f"\njournal entries: {journal} ({rows} line(s), QuickBooks Online journal entry import)"
            f"\nclose package: {xlsx} and {pdf}")


def _cmd_reopen(args: argparse.Namespace) -> int:
    from orchestration.close.month_close import parse_month, reopen_month

    warehouse = Path(args.warehouse).expanduser().resolve()

    def reopen() -> str:
        month = parse_month(args.month)
        close_id = reopen_month(warehouse, month, args.reason, target=args.target)
        return (f"revwh reopen: {month:%Y-%m} reopened (close {close_id}, recorded with the reason in"
                " closed.close_log); correct the data, run, and close it again")

    return run_change(reopen, warehouse)


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    close = sub.add_parser("close", help="freeze a month's figures (month-end close)")
    close.add_argument("--month", help="the month to close (or approve), YYYY-MM (ended by the warehouse's T)")
    close.add_argument("--prepared-by", help="who prepares the close (default: the operating-system user)")
    close.add_argument("--approve", action="store_true", help="approve the month's close (with --approved-by)")
    close.add_argument("--approved-by", help="who approves the close: not its preparer (REVWH_CLOSE_SAME_PERSON=1)")
    close.add_argument("--out", metavar="DIR", help="where the journal entries and the close package go (default:"
                       " reports/ beside the warehouse)")
    close.add_argument("--status", action="store_true", help="list the closes: prepared, approved, final or not")
    close.add_argument("--warehouse", default=DEFAULT_WAREHOUSE, help="published DuckDB file (REVWH_WAREHOUSE)")
    close.add_argument("--target", choices=TARGETS, default="duckdb", help=TARGET_HELP)
    close.set_defaults(func=_cmd_close)
    reopen = sub.add_parser("reopen", help="reopen a closed month for corrections (recorded)")
    reopen.add_argument("--month", required=True, help="the closed month, YYYY-MM")
    reopen.add_argument("--reason", required=True, help="why it is reopened (kept in closed.close_log)")
    reopen.add_argument("--warehouse", default=DEFAULT_WAREHOUSE, help="published DuckDB file (REVWH_WAREHOUSE)")
    reopen.add_argument("--target", choices=TARGETS, default="duckdb", help=TARGET_HELP)
    reopen.set_defaults(func=_cmd_reopen)
