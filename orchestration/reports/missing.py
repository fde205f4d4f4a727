"""Which of T's report files are missing from the reports folder.

A run with nothing new stops after the landing step (orchestration/run/inputs.py) and skips the
report step with everything else. If the last run published and then died before its reports were
written (a crash, a full disk), that skip would leave T without reports for good. So after such a
run the runner asks `missing_reports` and, when any file `write_reports` writes for the published
warehouse's T is absent, writes them all again (orchestration/run/runner.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from orchestration.reports.credit_coop import (
    coop_claims_name,
    credit_run_name,
    enrolment_gaps_name,
    liability_aging_name,
)
from orchestration.reports.flash import flash_html_name, flash_xlsx_name, pacing_png_name
from orchestration.reports.marts_reader import MartsSource, open_marts
from orchestration.reports.statements import statement_file_name, statements_dir_name
from orchestration.reports.workbook import workbook_name

_NAMES = (workbook_name, credit_run_name, liability_aging_name, coop_claims_name, enrolment_gaps_name,
          flash_xlsx_name, flash_html_name, pacing_png_name)


def expected_reports(source: MartsSource, out_dir: Path) -> tuple[date, list[Path]]:
    """T and every file write_reports writes for it into `out_dir` (a statement per client of
    ar_aging_summary, as statements.py writes them)."""
    with open_marts(source, ("warehouse_settings", "ar_aging_summary")) as con:
        (as_of,) = con.execute("select as_of_date from marts.warehouse_settings").fetchone()
        clients = [c for (c,) in con.execute(
            "select distinct client_id from marts.ar_aging_summary where client_id is not null order by 1").fetchall()]
    as_of = as_of if isinstance(as_of, date) else date.fromisoformat(str(as_of))
    statements = out_dir / statements_dir_name(as_of)
    return as_of, [*(out_dir / name(as_of) for name in _NAMES),
                   *(statements / statement_file_name(str(c)) for c in clients)]


def missing_reports(source: MartsSource, out_dir: Path) -> tuple[date, list[Path]]:
    """T and those of its report files that are not in `out_dir`."""
    as_of, expected = expected_reports(source, out_dir)
    return as_of, [path for path in expected if not path.is_file()]
