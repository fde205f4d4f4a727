"""The close package workbook `close-YYYY-MM.xlsx`: what the reviewer reads before approving a
month's close (orchestration/close/package.py reads the figures; this module lays them out).

Sheets: Summary (the close, the AR control, the landing files frozen), Roll-forward, AR aging,
Underspend liability, Co-op receivable, Journal entries (the journal CSV's lines), Post-close
adjustments (of earlier months). Each sheet has a title, a line saying what it is, a frozen header
row and per-currency totals (Decimal sums, written as values); money is a number with two
decimals, as in the billing workbook (reports/workbook.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter

from orchestration.reports.workbook import _Formats, _head, _money, _text

if TYPE_CHECKING:
    from orchestration.close.package import PackageData

SHEETS = ("Summary", "Roll-forward", "AR aging", "Underspend liability", "Co-op receivable", "Journal entries",
          "Post-close adjustments")
# a column: (header, row key, kind, width); kind money, text, date, int
Column = tuple[str, str, str, int]


def _table(book: xlsxwriter.Workbook, f: _Formats, name: str, title: str, note: str, columns: Sequence[Column],
           rows: list[dict[str, Any]], totals_by: str | None = "currency") -> None:
    """A sheet of rows with a frozen header; per `totals_by` value a total row of its money columns."""
    ws = book.add_worksheet(name)
    numeric_from = next((i for i, c in enumerate(columns) if c[2] == "money"), len(columns))
    _head(ws, f, title, [(note, f.note)], [c[0] for c in columns], numeric_from, [c[3] for c in columns])
    r = 4
    if not rows:
        ws.write_string(r, 0, "(none)", f.note)
        return
    groups: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        for col, (_h, key, kind, _w) in enumerate(columns):
            _cell(ws, f, r, col, row.get(key), kind)
            if kind == "money" and totals_by is not None:
                group = groups.setdefault(str(row.get(totals_by) or ""), {})
                group[key] = group.get(key, Decimal("0.00")) + Decimal(row.get(key) or 0)
        r += 1
    for group, sums in groups.items():
        ws.write_string(r, 0, f"Total {group}".strip(), f.total_label)
        for col, (_h, key, kind, _w) in enumerate(columns[1:], start=1):
            if kind == "money":
                _money(ws, r, col, sums[key], f.total_money)
            else:
                ws.write_blank(r, col, None, f.total_label)
        r += 1


def _cell(ws: Any, f: _Formats, r: int, col: int, value: object, kind: str) -> None:
    if kind == "money":
        _money(ws, r, col, None if value in (None, "") else Decimal(value), f.money)  # type: ignore[arg-type]
    elif kind == "int" and value is not None:
        ws.write_number(r, col, int(value), f.count)  # type: ignore[call-overload]
    elif kind == "date" and isinstance(value, datetime):
        ws.write_string(r, col, f"{value:%Y-%m-%d %H:%M:%S}")
    elif kind == "date" and isinstance(value, date):
        ws.write_datetime(r, col, datetime(value.year, value.month, value.day), f.day)
    else:
        _text(ws, r, col, value)


def _summary(book: xlsxwriter.Workbook, f: _Formats, d: PackageData) -> None:
    ws = book.add_worksheet("Summary")
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 70)
    ws.set_column(2, 2, 22)
    ws.set_column(3, 6, 16)
    ws.write_string(0, 0, f"Close package {d.month:%Y-%m} (close {d.close_id})", f.title)
    ws.write_string(1, 0, f"Figures as of the month's last day {d.month_end} by transaction date;"
                          f" warehouse as of {d.as_of}, run {d.run_id or 'unknown'}.", f.note)
    status = {"approved": "approved: final", "not approved": "NOT FINAL: awaiting approval",
              "reopened": "reopened: superseded"}[d.status]
    facts = [("Month", f"{d.month:%Y-%m}"), ("Prepared by", f"{d.prepared_by} at {d.closed_at:%Y-%m-%d %H:%M}"),
             ("Approved by", f"{d.approved_by} at {d.approved_at:%Y-%m-%d %H:%M}" if d.approved_at else "not approved"),
             ("Status", status)]
    ws.write_string(3, 0, "Close", f.header)
    ws.write_string(3, 1, "", f.header)
    r = 4
    for label, value in facts:
        ws.write_string(r, 0, label)
        ws.write_string(r, 1, value, f.warning if value.startswith("NOT FINAL") else None)
        r += 1
    r += 1
    for col, head in enumerate(("AR control", "Result", "Currency", "Open invoices", "Unapplied cash",
                                "Unapplied credits", "AR at month end")):
        ws.write_string(r, col, head, f.header_num if col >= 3 else f.header)
    r += 1
    for c in d.controls:
        ws.write_string(r, 0, f"AR {c.currency} at {d.month_end}")
        ws.write_string(r, 1, c.line, None if c.line == "ties to QuickBooks" else f.warning)
        ws.write_string(r, 2, c.currency)
        for col, value in enumerate((c.open_invoices, c.unapplied_cash, c.unapplied_credits, c.ar), start=3):
            _money(ws, r, col, value, f.money)
        r += 1
    r += 1
    ws.write_string(r, 0, "Landing file frozen", f.header)
    ws.write_string(r, 1, "Content hash", f.header)
    ws.write_string(r, 2, "Loaded at", f.header)
    ws.write_string(r, 3, "Table", f.header)
    r += 1
    for file in d.files:
        ws.write_string(r, 0, file["source_file"])
        _text(ws, r, 1, file["content_hash"])
        _cell(ws, f, r, 2, file["loaded_at"], "date")
        _text(ws, r, 3, file["table_name"])
        r += 1
    ws.freeze_panes(4, 0)


def write_close_workbook(path: Path, d: PackageData) -> None:
    """Write the package workbook to `path` (the caller renames it into place)."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    try:
        book.set_properties({"title": f"revwh close package {d.month:%Y-%m}"})
        f = _Formats(book)
        _summary(book, f, d)
        month = f"{d.month:%Y-%m}"
        _table(book, f, "Roll-forward", f"Deferred revenue roll-forward {month}",
               "opening + prior-period adjustment + billings - recognized - underspend credits = closing"
               " (closing = deferred - unbilled); the prior-period adjustment is a restatement of a closed month.",
               [("Client", "client_name", "text", 28), ("Client id", "client_id", "text", 12),
                ("Currency", "currency", "text", 9), ("Opening", "opening", "money", 14),
                ("Prior-period adjustment", "prior_period_adjustment", "money", 14),
                ("Billings", "billings", "money", 14), ("Recognized", "recognized", "money", 14),
                ("Underspend credits", "underspend_credits", "money", 14), ("Closing", "closing", "money", 14),
                ("Closing deferred", "closing_deferred", "money", 14),
                ("Closing unbilled", "closing_unbilled", "money", 14)], d.rollforward)
        _ar(book, f, d)
        _table(book, f, "Underspend liability", f"Underspend refund liability at {d.month_end}",
               "Per contract: credit due for the month, less underspend memos dated by the month end = outstanding.",
               [("Contract", "contract_id", "text", 14), ("Client", "client_name", "text", 28),
                ("Client id", "client_id", "text", 12), ("Currency", "currency", "text", 9),
                ("Credit due", "credit_due", "money", 14),
                ("Outstanding liability", "outstanding_liability", "money", 16)], d.underspend)
        _table(book, f, "Co-op receivable", f"Co-op receivable {month}",
               "Co-op reimbursement due from the OEM programs for the month, per program and client.",
               [("Program", "program_code", "text", 14), ("Client", "client_name", "text", 28),
                ("Client id", "client_id", "text", 12), ("Currency", "currency", "text", 9),
                ("Reimbursement", "reimbursement", "money", 16)], d.coop)
        journal = [dict(zip(("journal_no", "date", "account", "debits", "credits", "description", "name",
                             "currency"), line, strict=True)) for line in d.journal]
        _table(book, f, "Journal entries", f"Journal entries {month} (close-{month}-journal.csv)",
               "The lines of the journal import file; each journal (one per currency) balances.",
               [("Journal No", "journal_no", "text", 20), ("Journal Date", "date", "text", 12),
                ("Account", "account", "text", 28), ("Debits", "debits", "money", 14),
                ("Credits", "credits", "money", 14), ("Description", "description", "text", 50),
                ("Name", "name", "text", 28), ("Currency", "currency", "text", 9)], journal, totals_by="journal_no")
        _table(book, f, "Post-close adjustments", f"Post-close adjustments of months before {month}",
               "Figures of closed earlier months changed since their close (marts.post_close_adjustments).",
               [("Month", "month", "date", 11), ("Mart", "mart", "text", 26), ("Figure", "figure", "text", 20),
                ("Key", "figure_key", "text", 24), ("Client", "client_name", "text", 24),
                ("Currency", "currency", "text", 9), ("Closed value", "closed_value", "money", 14),
                ("Current value", "current_value", "money", 14), ("Difference", "difference", "money", 14),
                ("Cause files", "cause_files", "text", 40)], d.adjustments)
    finally:
        book.close()


def _ar(book: xlsxwriter.Workbook, f: _Formats, d: PackageData) -> None:
    """The open invoices at the month end, then per client the unapplied cash and credits and the net."""
    _table(book, f, "AR aging", f"AR aging at {d.month_end}",
           "Open invoices at the month end (frozen by the close); below them, per client: unapplied cash and"
           " credits at the month end and the net AR.",
           [("Invoice", "invoice_id", "text", 14), ("Client", "client_name", "text", 28),
            ("Client id", "client_id", "text", 12), ("Invoice date", "invoice_date", "date", 12),
            ("Due date", "due_date", "date", 12), ("Days past due", "days_past_due", "int", 10),
            ("Bucket", "aging_bucket", "text", 10), ("Currency", "currency", "text", 9),
            ("Open amount", "open_amount", "money", 14)], d.ar_invoices)
    ws = book.get_worksheet_by_name("AR aging")
    r = 4 + len(d.ar_invoices) + len({i["currency"] for i in d.ar_invoices}) + 1 + (not d.ar_invoices)
    heads = ("Client", "Client id", "Currency", "Open invoices", "Unapplied cash", "Unapplied credits", "Net AR")
    for col, head in enumerate(heads):
        ws.write_string(r, col, head, f.header_num if col >= 3 else f.header)
    r += 1
    keys = ("open_invoices", "unapplied_cash", "unapplied_credits", "net")
    for row in d.ar_clients:
        _text(ws, r, 0, row["client_name"] or row["client_id"])
        _text(ws, r, 1, row["client_id"])
        _text(ws, r, 2, row["currency"])
        for col, key in enumerate(keys, start=3):
            _money(ws, r, col, row[key], f.money)
        r += 1
    for c in d.controls:
        ws.write_string(r, 0, f"Total {c.currency}", f.total_label)
        ws.write_blank(r, 1, None, f.total_label)
        ws.write_string(r, 2, c.currency, f.total_label)
        for col, value in enumerate((c.open_invoices, c.unapplied_cash, c.unapplied_credits, c.ar), start=3):
            _money(ws, r, col, value, f.total_money)
        r += 1


__all__ = ["SHEETS", "write_close_workbook"]

