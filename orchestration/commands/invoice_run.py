"""`revwh invoice-run --month YYYY-MM [--approve [--approved-by NAME]] [--out DIR]`: the month's
draft invoices as a QuickBooks import file, PDFs and a review list (orchestration/billing/invoice_run.py).

Argument parsing and the one-line messages only; a refusal is one line, as for `revwh close`,
whose run_change it shares (the approved run is kept beside the closes, in closed.invoice_runs).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from orchestration.commands.analyst import DEFAULT_WAREHOUSE
from orchestration.commands.close import run_change


def _cmd_invoice_run(args: argparse.Namespace) -> int:
    from orchestration.billing.invoice_run import write_invoice_run
    from orchestration.close.month_close import parse_month
    from orchestration.reports.workbook import reports_dir

    warehouse = Path(args.warehouse).expanduser().resolve()
    out_dir = Path(args.out).expanduser() if args.out else reports_dir(warehouse)

    def invoice_run() -> str:
        r = write_invoice_run(warehouse, parse_month(args.month), out_dir, approve_it=args.approve,
                              approved_by=args.approved_by)
        review = f", review list {r.review}" if r.review else " (no review list: the marts draft another month)"
        state = {"draft": "draft (not approved: `--approve` freezes it)",
                 "exported": f"approved by {r.approved_by}, exported"}.get(r.status, r.status)
        return (f"revwh invoice-run: {r.month:%Y-%m} {state}: {r.invoices} invoice(s), {r.lines} line(s);"
                f" QuickBooks import file {r.csv}, {len(r.pdfs)} PDF(s) in {r.csv.with_suffix('')}{review}")

    return run_change(invoice_run, warehouse)


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("invoice-run", help="the month's draft invoices: QuickBooks import file, PDFs, review list")
    run.add_argument("--month", required=True, help="the month invoiced, YYYY-MM (the warehouse drafts the month"
                     " after its T's; an approved month any time)")
    run.add_argument("--warehouse", default=DEFAULT_WAREHOUSE, help="published DuckDB file (REVWH_WAREHOUSE)")
    run.add_argument("--out", metavar="DIR", help="where to write (default: reports/ beside the warehouse)")
    run.add_argument("--approve", action="store_true",
                     help="approve the draft first: freeze it (kept in closed.invoice_runs; a later run never"
                     " changes it), then export it")
    run.add_argument("--approved-by", metavar="NAME", help="who approves or exports (default: the login name)")
    run.set_defaults(func=_cmd_invoice_run)
