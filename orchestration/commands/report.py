"""`revwh report [--warehouse FILE] [--out DIR] [--target postgres|spark]`: write the billing workbook(s) on demand.

The nightly job writes them itself (assets.py); this command is for a warehouse published
elsewhere, a folder of one's own, or to write them again after a failed report step. It only
reads the published warehouse, read-only, so it needs no lock and never blocks a run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.commands.analyst import DEFAULT_WAREHOUSE
from orchestration.commands.errors import UserError
from orchestration.engines.targets import TARGETS


def _cmd_report(args: argparse.Namespace) -> int:
    import duckdb

    from orchestration.engines.targets import engine_for
    from orchestration.reports.marts_reader import MartsSource, source_name
    from orchestration.reports.workbook import ReportError, reports_dir, write_reports
    from orchestration.run.restore import open_error_message

    warehouse = Path(args.warehouse).expanduser().resolve()
    out_dir = Path(args.out).expanduser() if args.out else reports_dir(warehouse)
    source: MartsSource = engine_for(args.target, warehouse).marts_source()
    try:
        paths = write_reports(source, out_dir)
    except ReportError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:  # an unwritable or missing output folder: the user's to fix
        raise UserError(f"cannot write the reports to {out_dir}: {exc.strerror or exc}") from None
    except duckdb.Error as exc:  # not a DuckDB file, or a damaged one
        raise UserError(open_error_message(warehouse, exc)) from None
    for path in paths:
        print(path)
    print(f"revwh report: wrote {len(paths)} file(s) from {source_name(source)} (read-only)", file=sys.stderr)
    return 0


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="write the billing team's workbook from the published warehouse")
    report.add_argument("--warehouse", default=DEFAULT_WAREHOUSE, help="published DuckDB file (REVWH_WAREHOUSE)")
    report.add_argument("--out", metavar="DIR", help="where to write (default: reports/ beside the warehouse)")
    report.add_argument("--target", choices=TARGETS, default="duckdb",
                        help="read the marts from the DuckDB file (default), from PostgreSQL (REVWH_PG_*) or from"
                        " Spark's published marts (REVWH_SPARK_DIR, else beside --warehouse)")
    report.set_defaults(func=_cmd_report)
