"""`revwh restore`: put a readable copy of the warehouse back in place of a damaged one
(orchestration.run.restore does it; this is the command line)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.commands.errors import UserError


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


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    """`revwh restore --warehouse FILE [--from BACKUP] [--wait SECONDS]`."""
    restore = sub.add_parser(
        "restore", help="put a readable copy of the warehouse back in place of a damaged one (closes included)")
    restore.add_argument("--warehouse", required=True, help="the published DuckDB file to restore")
    restore.add_argument(
        "--from", dest="source", metavar="BACKUP",
        help="the copy to restore (default: FILE.previous, the generation the last publish replaced)")
    restore.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                         help="wait up to SECONDS for a run writing the warehouse (default: refuse at once)")
    restore.set_defaults(func=_cmd_restore)
