"""`revwh`: build the command line from one module per command and hand over; the work is done elsewhere.

Each module of orchestration/commands/ adds its subcommand(s) with `add_subcommand(sub)`: run.py
(`run`, `demo`), ui.py, restore.py, analyst.py (`sql`, `docs`), report.py, roles.py, close.py
(`close`, `reopen`), invoice_run.py, pull.py and post.py; the order below is the order of
`revwh --help`. User mistakes (a missing directory, a bad or future date, a busy warehouse, a
blocked gate) end in a short message and a non-zero exit, never a traceback: a command raises
orchestration.commands.errors.UserError and `main` prints it as one line.
Heavy modules (Dagster, dbt, DuckDB, the SDKs) are imported only by the command that needs them,
inside its handler, so `revwh --help` answers at once.
"""

from __future__ import annotations

import argparse
import sys

from orchestration.commands import analyst, close, invoice_run, post, pull, report, restore, roles, run, ui
from orchestration.commands.errors import UserError

COMMANDS = (run, ui, restore, analyst, report, roles, close, invoice_run, pull, post)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="revwh", description="Revenue warehouse pipeline.")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_subcommand(sub)
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
