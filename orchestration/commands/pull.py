"""`revwh pull`: pull one ad platform for a date range, or QuickBooks Online, into the landing directory.

The command line only: the arguments, the one-line results and errors (every error line through
ingest/platforms/scrub.py) and the exit codes. The pulling is ingest.platforms.pull's and
ingest.platforms.quickbooks', imported inside the handlers.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from ingest.platforms import PLATFORMS

QUICKBOOKS = "quickbooks"  # not an ad platform: no window, no accounts (ingest/platforms/quickbooks.py)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _note(line: str) -> None:
    """Why the pull waits: "throttled by the platform" only when it was, else what went wrong."""
    _err(f"  … {line}")


def _err(line: str) -> None:
    """Every error line of `revwh pull` leaves through the scrubber (ingest/platforms/scrub.py)."""
    from ingest.platforms.scrub import scrub

    print(scrub(line), file=sys.stderr, flush=True)


def _run(args: argparse.Namespace) -> int:
    from ingest.platforms.common import MissingCredential
    from ingest.platforms.pull import pull_platform
    from ingest.platforms.scrub import one_line

    landing = Path(args.landing)
    if args.platform == QUICKBOOKS:
        return _run_quickbooks(landing)
    if args.start is None or args.end is None:
        print(f"revwh: --start and --end are required for --platform {args.platform}", file=sys.stderr)
        return 2
    if not (landing / "contracting").is_dir() and not args.account:
        print(f"revwh: no contracting/ad_accounts.csv under {landing} and no --account given", file=sys.stderr)
        return 2
    if args.end < args.start:
        print("revwh: --end is before --start", file=sys.stderr)
        return 2
    try:
        result = pull_platform(
            args.platform,
            start=args.start,
            end=args.end,
            landing_dir=landing,
            extra_accounts=args.account,
            sleep=_sleep,
            note=_note,
        )
    except MissingCredential as exc:
        _err(f"revwh: {exc}")
        return 2
    except Exception as exc:  # noqa: BLE001 (a failure outside any account: one scrubbed line, no traceback)
        _err(f"revwh: the {args.platform} pull failed: {one_line(f'{type(exc).__name__}: {exc}')}")
        return 1
    print(
        f"{args.platform}: {result.rows} rows for {len(result.accounts)} account(s), {args.start} to {args.end}"
        f" -> {result.file}"
    )
    for account, reason in sorted(result.errors.items()):
        _err(f"  account {account} failed: {reason}")
    return 1 if result.errors else 0


def _run_quickbooks(landing: Path) -> int:
    """`revwh pull --platform quickbooks`: the company's documents (all, or the changes since the
    last pull) into accounting/*_qbo.csv; no dates (docs/connectors.md "QuickBooks Online")."""
    from ingest.platforms import quickbooks
    from ingest.platforms.common import MissingCredential
    from ingest.platforms.scrub import one_line

    try:
        result = quickbooks.pull(landing, sleep=_sleep, note=_note)
    except MissingCredential as exc:
        _err(f"revwh: {exc}")
        return 2
    except Exception as exc:  # noqa: BLE001 (one scrubbed line, no traceback)
        _err(f"revwh: the quickbooks pull failed: {one_line(f'{type(exc).__name__}: {exc}')}")
        return 1
    if result.file is not None:
        what = "changes since the last pull" if result.mode == "changes" else "full pull"
        print(f"quickbooks: {result.rows} rows ({what}) -> {result.file}/*_qbo.csv, qbo_balances.csv")
        print(f"quickbooks: {result.counts.line()}")
    for line in result.exceptions:
        _err(f"  note: {line}")
    for document, reason in sorted(result.errors.items()):
        _err(f"  {document}: {reason}")
    return 1 if result.errors else 0


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    pull = sub.add_parser(
        "pull", help="pull one ad platform's daily campaign spend for a date range, or QuickBooks Online's documents"
    )
    pull.add_argument("--platform", required=True, choices=(*PLATFORMS, QUICKBOOKS))
    pull.add_argument("--landing", required=True, help="landing directory (accounts from contracting/ad_accounts.csv)")
    pull.add_argument("--start", type=_date, help="first day (ad platforms; required there)")
    pull.add_argument("--end", type=_date, help="last day (ad platforms; required there)")
    pull.add_argument("--account", action="append", help="an extra account id to pull (repeatable)")
    pull.set_defaults(func=_run)
