"""Writes a month's close outputs: the journal-entry CSV, the close package workbook and its
one-page PDF. Apart from orchestration/close/package.py (which reads the figures) so the report
layouts can import the package's data without a cycle."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from orchestration.close.package import close_source, package_names, read_package


def write_close_outputs(warehouse: Path, month: date, close_id: int, out_dir: Path,
                        target: str = "duckdb") -> tuple[Path, int, Path, Path]:
    """The journal CSV, the workbook and the PDF of close `close_id` into out_dir:
    (journal, its rows, workbook, pdf)."""
    from orchestration.close.journal import write_journal_lines
    from orchestration.reports.atomic import write_atomically
    from orchestration.reports.close_pdf import write_close_pdf
    from orchestration.reports.close_workbook import write_close_workbook

    with close_source(Path(warehouse), target) as con:
        data = read_package(con, month, close_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    journal = write_journal_lines(data.journal, month, out_dir)
    xlsx_name, pdf_name = package_names(month)
    xlsx = write_atomically(out_dir / xlsx_name, lambda partial: write_close_workbook(partial, data))
    pdf = write_atomically(out_dir / pdf_name, lambda partial: write_close_pdf(partial, data))
    return journal, len(data.journal), xlsx, pdf


