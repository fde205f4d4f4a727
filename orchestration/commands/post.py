"""`revwh post --credits --month YYYY-MM [--warehouse FILE] [--commit]`: the command line of posting
the month's underspend credits to QuickBooks Online (orchestration/billing/qbo_post.py posts them).

A dry run by default; any failure, a missing credential or a warehouse without the marts is one
scrubbed line, no traceback. qbo_post and the SDK are imported inside the handler.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from orchestration.commands.analyst import DEFAULT_WAREHOUSE
from orchestration.commands.errors import UserError


def _month_arg(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a month YYYY-MM, got {text!r}") from None


def _cmd_post(args: argparse.Namespace) -> int:
    from ingest.platforms.common import MissingCredential
    from ingest.platforms.scrub import one_line
    from orchestration.billing.qbo_post import post_credits
    from orchestration.reports.marts_reader import ReportError

    try:
        return post_credits(Path(args.warehouse).expanduser().resolve(), args.month, commit=args.commit)
    except ReportError as exc:
        raise UserError(str(exc)) from None
    except MissingCredential as exc:
        raise UserError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 (one scrubbed line, no traceback)
        raise UserError(f"posting failed: {one_line(f'{type(exc).__name__}: {exc}')}") from None


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    post = sub.add_parser(
        "post", help="post the month's underspend credits to QuickBooks Online as credit memos (dry run by default)")
    post.add_argument("--credits", action="store_true", required=True,
                      help="the underspend credits of the month (the credit run CSV's rows)")
    post.add_argument("--month", required=True, type=_month_arg, help="the closed month, YYYY-MM")
    post.add_argument("--warehouse", default=DEFAULT_WAREHOUSE, help="published DuckDB file (REVWH_WAREHOUSE)")
    post.add_argument("--commit", action="store_true",
                      help="create the memos in QuickBooks (without it: print what would be created)")
    post.set_defaults(func=_cmd_post)
