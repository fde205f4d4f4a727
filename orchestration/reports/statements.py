"""Client statements of account: one PDF per client as of T, for the coordinator to send.

  statements-<T>/<client_id>.pdf   open invoices, the period's payments and credits, the aging
                                   buckets and the balance, per currency the client is billed in

The figures are the marts' (marts.client_statements for the lines, marts.ar_aging_summary for the
buckets and balance); this module only lays them out, with ReportLab (a maintained PDF library:
no HTML engine or system library needed). Money stays Decimal and is printed with two places.
Each file is written beside its final name and renamed into place. The warehouse is opened
read-only.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from orchestration.reports.atomic import write_atomically
from orchestration.reports.layout import AR, AR_HEADERS
from orchestration.reports.marts_reader import MartsSource, open_marts, rows

Row = dict[str, Any]
# the aging columns of ar_aging_summary and their headings, as on the workbook's AR aging sheet
BUCKETS = tuple(zip(AR[:6], AR_HEADERS[:6], strict=True))
_REQUIRED = ("client_statements", "ar_aging_summary", "warehouse_settings")


def statements_dir_name(as_of: date) -> str:
    return f"statements-{as_of.isoformat()}"


def statement_file_name(client_id: str) -> str:
    """A file name from a client id: anything but letters, digits, dot, dash and underscore becomes _."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", client_id) + ".pdf"


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"



def read_statements(warehouse: MartsSource) -> tuple[date, dict[str, list[Row]], dict[str, list[Row]]]:
    """(T, lines by client, ar_aging_summary rows by client), from the published warehouse."""
    with open_marts(warehouse, _REQUIRED) as con:
        (as_of,) = con.execute("select as_of_date from marts.warehouse_settings").fetchone()
        lines = rows(con, """
            select * from marts.client_statements
            order by client_id, currency, line_type desc, document_date, document_id""")
        summary = rows(con, "select * from marts.ar_aging_summary order by client_id, currency")
    by_client: dict[str, list[Row]] = defaultdict(list)
    for line in lines:
        by_client[line["client_id"]].append(line)
    balances: dict[str, list[Row]] = defaultdict(list)
    for row in summary:
        balances[row["client_id"]].append(row)
    return as_of, by_client, balances


# ReportLab lays out about 150-300 statements a second per core; a worker process costs about half a
# second to start (Python, ReportLab). Below this many statements one process is quicker.
PARALLEL_FROM = 200
Job = tuple[Path, str, date, list[Row], list[Row]]


def statement_workers() -> int:
    """Processes for the statements: every core this process may use, at most 4 (2 cores: 3,358
    statements at 5,000 dealers in 7.3 s against 13.5 s in one process)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(4, cores or 1))


def write_statements(warehouse: MartsSource, out_dir: Path, workers: int | None = None) -> list[Path]:
    """One PDF per client with an open balance or unapplied amounts at T (a row in
    ar_aging_summary); returns the files written, in client order.

    Thousands of statements are laid out by `workers` processes (default: statement_workers() once
    there are PARALLEL_FROM of them): ReportLab is pure Python and this is the report step's
    largest cost. The figures are read once, here; workers only lay out and write."""
    as_of, lines, balances = read_statements(warehouse)
    folder = out_dir / statements_dir_name(as_of)
    folder.mkdir(parents=True, exist_ok=True)
    jobs: list[Job] = [(folder / statement_file_name(c), c, as_of, lines.get(c, []), balances[c])
                       for c in sorted(balances)]
    if workers is None:
        workers = statement_workers() if len(jobs) >= PARALLEL_FROM else 1
    if workers <= 1 or len(jobs) < 2:
        return _write_jobs(jobs)
    # contiguous chunks, a few per worker, so a slow chunk does not hold the others back
    size = max(1, -(-len(jobs) // (workers * 4)))
    chunks = [jobs[i:i + size] for i in range(0, len(jobs), size)]
    # spawn, not fork: the caller may be a Dagster run with threads (a forked lock stays held)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return [path for written in pool.map(_write_jobs, chunks) for path in written]


def _write_jobs(jobs: list[Job]) -> list[Path]:
    return [write_atomically(path, lambda partial, j=(client_id, as_of, lines, balances): _write_pdf(partial, *j))
            for path, client_id, as_of, lines, balances in jobs]


def _write_pdf(path: Path, client_id: str, as_of: date, lines: list[Row], balances: list[Row]) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    name = balances[0]["client_name"] or client_id
    period_start = as_of.replace(day=1)
    doc = SimpleDocTemplate(str(path), pagesize=LETTER, title=f"Statement of account {name} {as_of}",
                            leftMargin=0.6 * inch, rightMargin=0.6 * inch, topMargin=0.6 * inch,
                            bottomMargin=0.6 * inch)
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    grid = TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 0), (0, -1), "LEFT"),
    ])
    story: list[Any] = [
        Paragraph("Statement of account", styles["Title"]),
        Paragraph(f"<b>{_escape(name)}</b> ({_escape(client_id)})"
                  + (f", {_escape(balances[0]['oem'])}" if balances[0].get("oem") else ""), styles["BodyText"]),
        Paragraph(f"Statement date {as_of.isoformat()}; activity from {period_start.isoformat()}", small),
        Spacer(1, 8),
    ]
    for balance in balances:
        currency = balance["currency"]
        mine = [r for r in lines if r["currency"] == currency]
        invoices = [r for r in mine if r["line_type"] == "open_invoice"]
        activity = [r for r in mine if r["line_type"] != "open_invoice"]
        story.append(Paragraph(f"Open invoices ({currency})", styles["Heading3"]))
        if invoices:
            table = [["Invoice", "Date", "Due", "Days past due", "Amount", "Open"]] + [
                [r["document_id"], str(r["document_date"]), str(r["due_date"]), str(r["days_past_due"]),
                 money(r["amount"]), money(r["open_amount"])] for r in invoices]
            story.append(Table(table, style=grid, hAlign="LEFT"))
        else:
            story.append(Paragraph("No open invoices.", small))
        story.append(Paragraph(f"Payments and credits {period_start} to {as_of} ({currency})", styles["Heading3"]))
        if activity:
            table = [["Date", "Document", "Type", "Detail", "Amount"]] + [
                [str(r["document_date"]), r["document_id"], r["line_type"].replace("_", " "), r["detail"] or "",
                 money(r["amount"])] for r in activity]
            story.append(Table(table, style=grid, hAlign="LEFT"))
        else:
            story.append(Paragraph("No payments or credits in the period.", small))
        story.append(Paragraph(f"Aging ({currency}, days past due)", styles["Heading3"]))
        story.append(Table([[label for _k, label in BUCKETS], [money(balance[k]) for k, _l in BUCKETS]],
                           style=grid, hAlign="LEFT"))
        story.append(Spacer(1, 6))
        summary = [["Open invoices", money(balance["total"])]]
        if balance["unapplied_payments"]:
            summary.append(["Unapplied payments", money(balance["unapplied_payments"])])
        if balance["unapplied_credits"]:
            summary.append(["Unapplied credits", money(balance["unapplied_credits"])])
        summary.append([f"Balance due ({currency})", money(balance["net_balance"])])
        story.append(Table(summary, hAlign="LEFT", style=TableStyle([
            ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
            ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 10),
            ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
            ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ])))
        story.append(Spacer(1, 10))
    doc.build(story)


def _escape(text: object) -> str:
    """ReportLab paragraphs read a little markup: names with & or < must not break them."""
    return xml_escape(str(text))
