"""The EMT workbook: product revenue, client counts, the recurring bridge, the AR aging summary and
the collections worklist.

Everything is read from the PUBLISHED warehouse, read-only (a run replaces that file atomically
and needs no lock from readers), so a report never sees a half-built warehouse and never blocks
the next run. Money stays Decimal from DuckDB to the totals rows; it becomes a float only when a
cell is written (Excel stores numbers as doubles), with a two-decimal number format. Totals are
Decimal sums of the mart rows, written as values, so the workbook's totals are the marts' sums to
the cent whatever application opens it. The file is written beside its final name and renamed
into place, so a reader (or a mail job picking it up) never opens a half-written workbook.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from orchestration.reports.atomic import write_atomically
from orchestration.reports.layout import AR, AR_HEADERS, MONEY_FORMAT
from orchestration.reports.marts_reader import MartsSource, ReportError, Row, open_marts, rows, source_name

__all__ = ["ReportError", "write_reports", "workbook_name", "reports_dir"]

HEADER_ROW = 3  # 0-based: rows 0-2 say what the sheet is (title, presentation or definitions, source)
SHEETS = ("Product revenue", "Net revenue", "Client counts", "Recurring bridge", "AR aging", "Collections")
ZERO = Decimal("0.00")



def reports_dir(warehouse: Path) -> Path:
    """Where reports go by default: `reports/` beside the warehouse file."""
    return Path(warehouse).expanduser().resolve().parent / "reports"


def workbook_name(as_of: date) -> str:
    """One workbook per as-of date, so yesterday's stays next to today's."""
    return f"revwh-billing-{as_of.isoformat()}.xlsx"


@dataclass(frozen=True)
class ReportData:
    """What the workbook shows, as read from the marts (money as Decimal)."""

    as_of: date
    presentation: str
    aging_basis: str
    product_revenue: list[Row]
    client_counts: list[Row]
    bridge: list[Row]
    ar_aging: list[Row]
    collections: list[Row]



_REQUIRED = ("warehouse_settings", "ar_aging_summary", "product_client_counts", "budget_movements",
             "collections_worklist")


def read_report_data(warehouse: MartsSource) -> ReportData:
    """Read every figure the workbook needs in one read-only connection, closed before writing."""
    with open_marts(warehouse, _REQUIRED) as con:
        as_of, presentation, aging_basis = con.execute(
            "select as_of_date, revenue_presentation, aging_basis from marts.warehouse_settings").fetchone()
        product_revenue = rows(con, """
            select product_code, product_name, month, recognized_revenue_usd, recognized_fee_usd
            from marts.product_client_counts order by product_code, month""")
        client_counts = rows(con, """
            select month, product_code, product_name, active_clients, new_clients, churned_clients,
                reactivated_clients
            from marts.product_client_counts order by month, product_code""")
        # The bridge per product, month and currency: a client's movements stay in its currency.
        bridge = rows(con, """
            select month, product_code, min(product_name) as product_name, currency,  -- one name per code
                sum(opening) as opening, sum(new) as new, sum(upsell) as upsell,
                sum(reactivation) as reactivation, sum(decrease) as decrease,
                sum(cancellation) as cancellation, sum(closing) as closing
            from marts.budget_movements
            group by month, product_code, currency
            order by currency, month, product_code""")
        ar_aging = rows(con, """
            select client_name, client_id, oem, currency, current, days_1_30, days_31_60, days_61_90,
                over_90, total, unapplied_payments, unapplied_credits, net_balance
            from marts.ar_aging_summary
            order by currency, coalesce(client_name, client_id), client_id""")
        collections = rows(con, """
            select * from marts.collections_worklist
            order by worklist_rank, currency, days_past_due desc, invoice_id""")
    return ReportData(as_of, presentation, aging_basis, product_revenue, client_counts, bridge, ar_aging,
                      collections)


def write_reports(warehouse: MartsSource, out_dir: Path) -> list[Path]:
    """Write the billing team's workbook(s) for the published `warehouse` into `out_dir`.

    Returns the files written. Raises ReportError when the warehouse is missing or predates the
    report marts; the warehouse itself is only ever opened read-only."""
    if isinstance(warehouse, Path | str):
        warehouse = Path(warehouse).expanduser().resolve()
    data = read_report_data(warehouse)
    out_dir = Path(out_dir).expanduser().resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = write_atomically(out_dir / workbook_name(data.as_of),
                            lambda partial: _write_workbook(partial, data, warehouse))
    from orchestration.reports.credit_coop import write_credit_coop_reports
    from orchestration.reports.flash import write_flash_reports
    from orchestration.reports.statements import write_statements

    return [path, *write_credit_coop_reports(warehouse, out_dir), *write_flash_reports(warehouse, out_dir),
            *write_statements(warehouse, out_dir)]


class _Formats:
    """The few cell styles the sheets share."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.title = book.add_format({"bold": True, "font_size": 13})
        self.note = book.add_format({"italic": True, "font_color": "#555555"})
        self.warning = book.add_format({"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"})
        self.header = book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom"})
        self.header_num = book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "align": "right"})
        self.money = book.add_format({"num_format": MONEY_FORMAT})
        self.count = book.add_format({"num_format": "#,##0"})
        self.month = book.add_format({"num_format": "yyyy-mm", "align": "left"})
        self.day = book.add_format({"num_format": "yyyy-mm-dd", "align": "left"})
        self.total_label = book.add_format({"bold": True, "top": 1})
        self.total_money = book.add_format({"bold": True, "top": 1, "num_format": MONEY_FORMAT})
        self.total_count = book.add_format({"bold": True, "top": 1, "num_format": "#,##0"})


def _money(ws: Worksheet, row: int, col: int, value: Decimal | None, fmt: Format) -> None:
    """The one place a Decimal becomes a float: at the cell, with a two-decimal format."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_number(row, col, float(value), fmt)


def _text(ws: Worksheet, row: int, col: int, value: object, fmt: Format | None = None) -> None:
    if value is None:
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _sum(values: Iterable[Decimal | None]) -> Decimal:
    return sum((v for v in values if v is not None), ZERO)


def _head(ws: Worksheet, f: _Formats, title: str, lines: Sequence[tuple[str, Format]], columns: Sequence[str],
          numeric_from: int, widths: Sequence[int], freeze_cols: int = 0) -> None:
    """Title, two explanatory lines and the column headers; rows above the data stay frozen."""
    ws.write_string(0, 0, title, f.title)
    for i, (text, fmt) in enumerate(lines[:2], start=1):
        ws.write_string(i, 0, text, fmt)
    for col, name in enumerate(columns):
        ws.write_string(HEADER_ROW, col, name, f.header_num if col >= numeric_from else f.header)
        ws.set_column(col, col, widths[col] if col < len(widths) else widths[-1])
    ws.set_row(HEADER_ROW, 30)
    ws.freeze_panes(HEADER_ROW + 1, freeze_cols)


def _product_revenue(book: xlsxwriter.Workbook, f: _Formats, data: ReportData) -> None:
    if data.presentation == "net":
        presentation = ("NET (agent) presentation: this warehouse was built with revenue_presentation = net, so"
                        " media is pass-through and left out; the figures are fees only, not gross revenue.", f.warning)
    else:
        presentation = ("Gross (principal) presentation: delivered media plus fees.", f.note)
    _products_by_month(
        book.add_worksheet("Product revenue"), f, data, "recognized_revenue_usd",
        f"Product revenue: recognized revenue in USD by product and month, as of {data.as_of}",
        [presentation, ("Source: marts.product_client_counts.recognized_revenue_usd (each currency at the"
                        " month's last-day rate, T for the month of T).", f.note)])


def _net_revenue(book: xlsxwriter.Workbook, f: _Formats, data: ReportData) -> None:
    _products_by_month(
        book.add_worksheet("Net revenue"), f, data, "recognized_fee_usd",
        f"Net revenue: recognized fees in USD by product and month (the agent view), as of {data.as_of}",
        [("Management and flat fees only, whatever the warehouse's presentation; in a gross warehouse, Product"
          " revenue minus Net revenue is the delivered media.", f.note),
         ("Source: marts.product_client_counts.recognized_fee_usd (same rates as Product revenue).", f.note)])


def _products_by_month(ws: Worksheet, f: _Formats, data: ReportData, key: str, title: str,
                       lines: Sequence[tuple[str, Format]]) -> None:
    """Products down, months across, a total column and a totals row, all from Decimal."""
    months = sorted({r["month"] for r in data.product_revenue})
    products: dict[str, str | None] = {}
    cells: dict[tuple[str, date], Decimal] = {}
    for r in data.product_revenue:
        products.setdefault(r["product_code"], r["product_name"])
        cells[(r["product_code"], r["month"])] = r[key]
    _head(ws, f, title, lines, ["Product code", "Product", *[m.strftime("%Y-%m") for m in months], "Total"],
          numeric_from=2, widths=[14, 24, 13], freeze_cols=2)
    row = HEADER_ROW + 1
    for code, name in products.items():
        _text(ws, row, 0, code)
        _text(ws, row, 1, name)
        for col, month in enumerate(months, start=2):
            _money(ws, row, col, cells.get((code, month), ZERO), f.money)
        _money(ws, row, len(months) + 2, _sum(cells.get((code, m)) for m in months), f.money)
        row += 1
    _text(ws, row, 0, "Total", f.total_label)
    _text(ws, row, 1, "", f.total_label)
    for col, month in enumerate(months, start=2):
        _money(ws, row, col, _sum(cells.get((c, month)) for c in products), f.total_money)
    _money(ws, row, len(months) + 2, _sum(cells.values()), f.total_money)


def _client_counts(book: xlsxwriter.Workbook, f: _Formats, data: ReportData) -> None:
    ws = book.add_worksheet("Client counts")
    _head(ws, f, f"Client counts: active, new and churned clients by product and month, as of {data.as_of}",
          [("Active: a billable amount > 0 in the month; new: active, and not in the previous month; churned:"
            " active in the previous month, not in this one; reactivated: new, and active before the previous"
            " month. The totals row adds months (client-months).", f.note),
           ("Source: marts.product_client_counts.", f.note)],
          ["Month", "Product code", "Product", "Active clients", "New clients", "Churned clients",
           "Reactivated (of new)"],
          numeric_from=3, widths=[10, 14, 24, 12])
    row = HEADER_ROW + 1
    keys = ("active_clients", "new_clients", "churned_clients", "reactivated_clients")
    for r in data.client_counts:
        ws.write_datetime(row, 0, r["month"], f.month)
        _text(ws, row, 1, r["product_code"])
        _text(ws, row, 2, r["product_name"])
        for col, key in enumerate(keys, start=3):
            ws.write_number(row, col, r[key], f.count)
        row += 1
    if data.client_counts:
        ws.autofilter(HEADER_ROW, 0, row - 1, 2 + len(keys))
    _text(ws, row, 0, "Total", f.total_label)
    for col in (1, 2):
        _text(ws, row, col, "", f.total_label)
    for col, key in enumerate(keys, start=3):
        ws.write_number(row, col, sum(r[key] for r in data.client_counts), f.total_count)


BRIDGE = ("opening", "new", "upsell", "reactivation", "decrease", "cancellation", "closing")


def _bridge(book: xlsxwriter.Workbook, f: _Formats, data: ReportData) -> None:
    ws = book.add_worksheet("Recurring bridge")
    _head(ws, f, f"Recurring bridge: monthly budget movements by product and month, per currency, as of {data.as_of}",
          [("Opening + new + upsell + reactivation - decrease - cancellation = closing; month-end monthly amounts"
            " (T for the month of T). One totals row per currency: amounts are never added across currencies.",
            f.note),
           ("Source: marts.budget_movements, summed over clients.", f.note)],
          ["Month", "Product code", "Product", "Currency", *[k.capitalize() for k in BRIDGE]],
          numeric_from=4, widths=[10, 14, 24, 9, 14])
    row = HEADER_ROW + 1
    for r in data.bridge:
        ws.write_datetime(row, 0, r["month"], f.month)
        _text(ws, row, 1, r["product_code"])
        _text(ws, row, 2, r["product_name"])
        _text(ws, row, 3, r["currency"])
        for col, key in enumerate(BRIDGE, start=4):
            _money(ws, row, col, r[key], f.money)
        row += 1
    if data.bridge:
        ws.autofilter(HEADER_ROW, 0, row - 1, 3 + len(BRIDGE))
    _currency_totals(ws, f, row, data.bridge, BRIDGE)



def _currency_totals(ws: Any, f: _Formats, row: int, rows: list[dict], keys: tuple[str, ...]) -> None:
    """One totals row per currency (in column 3), each money column (from column 4) summed in
    Decimal from the mart rows, so the workbook's totals equal the marts' to the cent."""
    for currency in sorted({r["currency"] for r in rows}, key=lambda c: c or ""):
        mine = [r for r in rows if r["currency"] == currency]
        _text(ws, row, 0, "Total", f.total_label)
        _text(ws, row, 1, "", f.total_label)
        _text(ws, row, 2, "", f.total_label)
        _text(ws, row, 3, currency, f.total_label)
        for col, key in enumerate(keys, start=4):
            _money(ws, row, col, _sum(r[key] for r in mine), f.total_money)
        row += 1

def _ar_aging(book: xlsxwriter.Workbook, f: _Formats, data: ReportData) -> None:
    ws = book.add_worksheet("AR aging")
    basis = "invoice date" if data.aging_basis == "invoice_date" else "due date"
    _head(ws, f, f"A/R aging summary as of {data.as_of} (days past {basis})",
          [("Open invoices by aging bucket; unapplied payments and unapplied credit memos (underspend credits"
            " excepted) are negative; net balance = total + unapplied payments + unapplied credits.", f.note),
           ("Source: marts.ar_aging_summary (its totals per currency equal marts.ar_aging's open amounts).", f.note)],
          ["Client", "Client ID", "OEM", "Currency", *AR_HEADERS],
          numeric_from=4, widths=[28, 10, 12, 9, 13], freeze_cols=1)
    row = HEADER_ROW + 1
    for r in data.ar_aging:
        _text(ws, row, 0, r["client_name"])
        _text(ws, row, 1, r["client_id"])
        _text(ws, row, 2, r["oem"])
        _text(ws, row, 3, r["currency"])
        for col, key in enumerate(AR, start=4):
            _money(ws, row, col, r[key], f.money)
        row += 1
    if data.ar_aging:
        ws.autofilter(HEADER_ROW, 0, row - 1, 3 + len(AR))
    _currency_totals(ws, f, row, data.ar_aging, AR)


COLLECTIONS: tuple[tuple[str, str, str], ...] = (  # (mart column, header, kind)
    ("worklist_rank", "Rank", "count"), ("client_name", "Client", "text"), ("client_id", "Client ID", "text"),
    ("currency", "Currency", "text"), ("invoice_id", "Invoice", "text"), ("invoice_date", "Invoice date", "day"),
    ("due_date", "Due date", "day"), ("days_past_due", "Days past due", "count"),
    ("aging_bucket", "Bucket", "text"), ("open_amount", "Open amount", "money"),
    ("open_amount_usd", "Open amount USD", "money"), ("client_past_due_usd", "Client past due USD", "money"),
    ("disputed_credits", "Dispute credits on invoice", "money"), ("is_open_dispute", "Open dispute", "flag"),
    ("unapplied_dispute_credits", "Unapplied dispute credits", "money"),
    ("last_payment_date", "Last payment", "day"), ("last_payment_amount", "Last payment amount", "money"),
    ("suggested_payment_id", "Suggested unapplied payment", "text"),
    ("proposed_write_off", "Proposed write-off", "money"),
)


def _collections(book: xlsxwriter.Workbook, f: _Formats, data: ReportData) -> None:
    ws = book.add_worksheet("Collections")
    basis = "invoice date" if data.aging_basis == "invoice_date" else "due date"
    _head(ws, f, f"Collections worklist as of {data.as_of}: past-due invoices (days past {basis}), clients by"
          " amount at risk",
          [("Suggested payment: unapplied cash of the client of exactly the open amount (apply it in QuickBooks);"
            " proposed write-off: the open amount of a 90+ invoice, for approval.", f.note),
           ("Source: marts.collections_worklist. One totals row per currency (open amount, write-offs).", f.note)],
          [h for _c, h, _k in COLLECTIONS], numeric_from=99, widths=[6, 26, 10, 9, 12, 11, 11, 9, 8, 13],
          freeze_cols=2)
    row = HEADER_ROW + 1
    for r in data.collections:
        for col, (key, _h, kind) in enumerate(COLLECTIONS):
            value = r[key]
            if kind == "money":
                _money(ws, row, col, value, f.money)
            elif kind == "day" and value is not None:
                ws.write_datetime(row, col, value, f.day)
            elif kind == "count" and value is not None:
                ws.write_number(row, col, value, f.count)
            elif kind == "flag":
                _text(ws, row, col, "yes" if value else "")
            else:
                _text(ws, row, col, value)
        row += 1
    if data.collections:
        ws.autofilter(HEADER_ROW, 0, row - 1, len(COLLECTIONS) - 1)
    keys = [k for k, _h, _kind in COLLECTIONS]
    for currency in sorted({r["currency"] for r in data.collections}):
        mine = [r for r in data.collections if r["currency"] == currency]
        _text(ws, row, 0, "Total", f.total_label)
        _text(ws, row, keys.index("currency"), currency, f.total_label)
        for key in ("open_amount", "open_amount_usd", "proposed_write_off"):
            _money(ws, row, keys.index(key), _sum(r[key] for r in mine), f.total_money)
        row += 1


def _write_workbook(path: Path, data: ReportData, warehouse: Path) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    try:
        book.set_properties({"title": f"revwh billing workbook as of {data.as_of}",
                             "comments": f"Written from {source_name(warehouse)} (read-only)."})
        f = _Formats(book)
        _product_revenue(book, f, data)
        _net_revenue(book, f, data)
        _client_counts(book, f, data)
        _bridge(book, f, data)
        _ar_aging(book, f, data)
        _collections(book, f, data)
    finally:
        book.close()
