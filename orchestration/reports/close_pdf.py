"""The close package's one-page summary `close-YYYY-MM.pdf` (ReportLab, like the statements):
the close's status, preparer and approver, per currency the headline figures (roll-forward, AR at
the month end, underspend liability, co-op receivable), the AR control line and the journal totals.
The detail is in the workbook (reports/close_workbook.py). Money stays Decimal, printed with two
places.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from orchestration.reports.statements import money

if TYPE_CHECKING:
    from orchestration.close.package import PackageData

ZERO = Decimal("0.00")


def _by_currency(rows: list[dict[str, Any]], key: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in rows:
        out[r["currency"]] += Decimal(r[key] or 0)
    return out


def headline(d: PackageData) -> tuple[list[str], list[list[str]]]:
    """(currencies, rows of [label, amount per currency]): the figures the page shows."""
    from orchestration.close.package import journal_totals

    currencies = sorted({r["currency"] for r in d.rollforward} | {c.currency for c in d.controls})
    lines: list[tuple[str, dict[str, Decimal]]] = [
        (label, _by_currency(d.rollforward, key)) for label, key in (
            ("Deferred revenue: opening", "opening"), ("Prior-period adjustment", "prior_period_adjustment"),
            ("Billings", "billings"), ("Recognized", "recognized"), ("Underspend credits", "underspend_credits"),
            ("Closing (deferred - unbilled)", "closing"), ("Closing deferred revenue", "closing_deferred"),
            ("Closing unbilled revenue", "closing_unbilled"))]
    controls = {c.currency: c for c in d.controls}
    lines += [
        ("AR: open invoices", {c: controls[c].open_invoices for c in controls}),
        ("AR: unapplied cash", {c: -controls[c].unapplied_cash for c in controls}),
        ("AR: unapplied credits", {c: -controls[c].unapplied_credits for c in controls}),
        ("AR at month end", {c: controls[c].ar for c in controls}),
        ("Underspend refund liability", _by_currency(d.underspend, "outstanding_liability")),
        ("Co-op receivable", _by_currency(d.coop, "reimbursement")),
    ]
    journals = {cur: debits for _no, cur, debits, _credits in journal_totals(d.journal)}
    lines.append(("Journal entries: debits = credits", journals))
    return currencies, [[label] + [money(values.get(c, ZERO)) for c in currencies] for label, values in lines]


def write_close_pdf(path: Path, d: PackageData) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from orchestration.close.package import journal_totals

    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=8, leading=10)
    month = f"{d.month:%Y-%m}"
    doc = SimpleDocTemplate(str(path), pagesize=LETTER, title=f"Close package {month}", leftMargin=0.7 * inch,
                            rightMargin=0.7 * inch, topMargin=0.6 * inch, bottomMargin=0.6 * inch)
    status = {"approved": "Approved: the close is final", "not approved": "NOT FINAL: awaiting approval",
              "reopened": "Reopened: superseded by a later close"}[d.status]
    approver = (f"approved by {escape(d.approved_by or '')} at {d.approved_at:%Y-%m-%d %H:%M}" if d.approved_at
                else "<font color='#9C0006'>not approved</font>")
    story: list[Any] = [
        Paragraph(f"Month-end close {month}", styles["Title"]),
        Paragraph(f"<b>{status}</b> (close {d.close_id})" if d.status == "approved" else
                  f"<font color='#9C0006'><b>{status}</b></font> (close {d.close_id})", body),
        Paragraph(f"Prepared by {escape(d.prepared_by)} at {d.closed_at:%Y-%m-%d %H:%M}; {approver}",
                  body),
        Paragraph(f"Figures as of {d.month_end} by transaction date; warehouse as of {d.as_of}; run"
                  f" {escape(str(d.run_id or 'unknown'))}; {len(d.files)} landing file(s) frozen (listed in the"
                  f" workbook close-{month}.xlsx).", small),
        Spacer(1, 10),
    ]
    currencies, rows = headline(d)
    grid = TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("LINEABOVE", (0, 9), (-1, 9), 0.5, colors.grey),  # AR
        ("LINEABOVE", (0, 13), (-1, 13), 0.5, colors.grey),  # liability, receivable
        ("LINEABOVE", (0, 15), (-1, 15), 0.5, colors.grey),  # journals
        ("FONT", (0, 6), (-1, 6), "Helvetica-Bold", 9),
        ("FONT", (0, 12), (-1, 12), "Helvetica-Bold", 9),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
    ])
    story.append(Table([["", *currencies], *rows], style=grid, hAlign="LEFT",
                       colWidths=[2.8 * inch] + [1.3 * inch] * len(currencies)))
    story.append(Spacer(1, 10))
    story.append(Paragraph("AR control (open invoices - unapplied cash - unapplied credits, against QuickBooks)",
                           styles["Heading4"]))
    for c in d.controls:
        story.append(Paragraph(f"AR {c.currency} {money(c.ar)}: {escape(c.line)}", body))
    story.append(Paragraph("Journal entries", styles["Heading4"]))
    totals = journal_totals(d.journal)
    for no, currency, debits, credits in totals:
        story.append(Paragraph(f"{escape(no)}: debits {money(debits)}, credits {money(credits)} {currency}"
                               f" ({'balanced' if debits == credits else 'NOT BALANCED'})", body))
    if not totals:
        story.append(Paragraph("No movement: no journal entry.", body))
    story.append(Paragraph(f"Post-close adjustments of earlier months: {len(d.adjustments)} figure(s)"
                           " (workbook sheet Post-close adjustments).", body))
    doc.build(story)
