"""The invoice run (SPEC 6): draft, review, approve, export to QuickBooks Online, confirm.

Every nightly run rebuilds `marts.invoice_run_lines` and `marts.invoice_run_review` for the draft
month m (the month after T's: billing in advance). `revwh invoice-run --month YYYY-MM` writes, under
--out (default `reports/` beside the warehouse):

  invoice-run-YYYY-MM.csv        the draft as QuickBooks Online's invoice import file (one row per line;
                                 rows sharing a *InvoiceNo form one invoice), through SafeCsvWriter
  invoice-run-YYYY-MM/<client>.pdf  one invoice PDF per client (ReportLab), a section per draft invoice
  invoice-review-YYYY-MM.csv     the review list (marts.invoice_run_review)

`--approve` freezes the month's draft first: its lines are copied into `closed.invoice_run_lines` and
`closed.invoice_runs` records who approved it and when; the `closed` schema is carried into every
later run (orchestration/run/working_copy.py), so a re-run never changes an approved draft. Writing the
import file of an approved month marks it exported (once: the first export's time is kept). Both
changes take the warehouse lock and swap in a changed copy of the published warehouse, exactly like
`revwh close` (month_close._change_published). Nothing in a file depends on the clock: the same
run twice writes the same bytes (ReportLab in its invariant mode: no creation date, fixed ids).

Finance sees every invoice run in the Dagster UI: each command is recorded in the persistent
instance (orchestration/pipeline/instance.py) as a runless materialization of the `invoice_run` asset
(declared in orchestration/pipeline/definitions.py, downstream of the invoicing marts), with the month, what
was done (draft, approve, export), the state, the invoices and their total per currency, the review
list's size and who approved; the nightly run's draft is the materialization of the marts themselves.
"""

from __future__ import annotations

import getpass
import io
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import duckdb

from orchestration.close.month_close import PUBLISHED_RUN, CloseError, _change_published, _require_file, has_table
from orchestration.reports.atomic import write_atomically
from orchestration.reports.credit_coop import customer_name
from orchestration.reports.csv_safe import SafeCsvWriter

INVOICE_RUN_ASSET = "invoice_run"  # the Dagster asset each `revwh invoice-run` is recorded as
HOME_CURRENCY = "USD"  # the reporting currency (SPEC 1); QuickBooks' home currency
AGENCY_ENV, REMIT_TO_ENV = "REVWH_AGENCY_NAME", "REVWH_REMIT_TO"
# QuickBooks Online's own invoice import headers, as in the sample file of its Import invoices tool
# (an asterisk marks a required column), so the import maps them without a person; Currency is
# revwh's addition for a client not billed in USD (docs/DECISIONS.md "QuickBooks import headers").
QBO_COLUMNS = ("*InvoiceNo", "*Customer", "*InvoiceDate", "*DueDate", "Terms", "Location", "Memo",
               "Item(Product/Service)", "ItemDescription", "ItemQuantity", "ItemRate", "*ItemAmount", "Service Date",
               "Currency")
REVIEW_COLUMNS = ("client_id", "client_name", "invoice_no", "reason", "contract_id", "detail")
LINE_ORDER = {"media": 0, "management_fee": 1, "flat_fee": 2, "underspend_credit": 3}
LINE_WORDS = {"media": "media", "management_fee": "management fee", "flat_fee": "flat fee",
              "underspend_credit": "underspend credit"}
_LINE_COLUMNS = ("invoice_no", "invoice_month", "client_id", "client_name", "contract_id", "product_code",
                 "item_name", "service_month", "line_type", "amount", "currency", "invoice_date", "due_date",
                 "terms_days")

Row = dict[str, Any]


class InvoiceRunError(CloseError):
    """An invoice run that cannot be done; the message is one line for a person."""


@dataclass(frozen=True)
class InvoiceRunResult:
    month: date
    status: str  # draft, approved or exported
    invoices: int
    lines: int
    csv: Path
    pdfs: list[Path]
    review: Path | None
    approved_by: str | None


def csv_name(month: date) -> str:
    return f"invoice-run-{month:%Y-%m}.csv"


def review_name(month: date) -> str:
    return f"invoice-review-{month:%Y-%m}.csv"


def pdf_dir_name(month: date) -> str:
    return f"invoice-run-{month:%Y-%m}"


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[Row]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _sort_key(r: Row) -> tuple:
    return (r["invoice_no"], r["contract_id"] or "", r["service_month"], LINE_ORDER.get(r["line_type"], 9))


def _run_record(con: duckdb.DuckDBPyConnection, month: date) -> Row | None:
    if not has_table(con, "closed", "invoice_runs"):
        return None
    found = _rows(con, "select * from closed.invoice_runs where invoice_month = ?", [month])
    return found[0] if found else None


def _name_qbo_customers(con: duckdb.DuckDBPyConnection, lines: list[Row]) -> None:
    """Each line's QuickBooks customer name (marts.dim_qbo_customers, from the last QuickBooks
    pull) when known: QuickBooks' import matches Customer by its DisplayName. Looked up when the
    file is written, so an approved draft takes the name QuickBooks has now."""
    if not has_table(con, "marts", "dim_qbo_customers"):
        return
    names = {(c, cur): n for c, cur, n in con.execute(
        "select client_id, currency, qbo_customer_name from marts.dim_qbo_customers").fetchall()}
    for r in lines:
        r["qbo_customer_name"] = names.get((r["client_id"], r["currency"]))


def _draft_month(con: duckdb.DuckDBPyConnection) -> date:
    """The month the warehouse's marts draft: the month after T's (var invoice_month aside)."""
    months = [m for (m,) in con.execute("select distinct invoice_month from marts.invoice_run_lines").fetchall()]
    if len(months) == 1:
        return months[0]
    (as_of,) = con.execute("select as_of_date from marts.warehouse_settings").fetchone()
    return date(as_of.year + as_of.month // 12, as_of.month % 12 + 1, 1)


def _check_marts(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    present = {t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
    missing = sorted({"invoice_run_lines", "invoice_run_review", "warehouse_settings"} - present)
    if missing:
        raise InvoiceRunError(f"{warehouse} has no marts.{missing[0]}: it was built by an older revwh;"
                              " run `revwh run` again to rebuild it")


def read_invoice_run(warehouse: Path, month: date) -> tuple[str, list[Row], list[Row] | None, Row | None]:
    """(status, lines, review rows or None when the marts draft another month, approval record)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        _check_marts(con, warehouse)
        record = _run_record(con, month)
        drafted = _draft_month(con)
        if record is not None:
            lines = _rows(con, f"select {', '.join(_LINE_COLUMNS)} from closed.invoice_run_lines"
                               " where invoice_month = ?", [month])
            status = record["status"]
        elif month != drafted:
            (as_of,) = con.execute("select as_of_date from marts.warehouse_settings").fetchone()
            raise InvoiceRunError(
                f"{month:%Y-%m} is neither approved nor the month this warehouse drafts: as of {as_of} it drafts"
                f" {drafted:%Y-%m} (the month after T's); run `revwh run` as of a day in the month before"
                f" {month:%Y-%m} first")
        else:
            lines = _rows(con, f"select {', '.join(_LINE_COLUMNS)} from marts.invoice_run_lines"
                               " where invoice_month = ?", [month])
            status = "draft"
        review = _rows(con, "select * from marts.invoice_run_review") if month == drafted else None
        _name_qbo_customers(con, lines)
    finally:
        con.close()
    lines.sort(key=_sort_key)
    if review is not None:
        review.sort(key=lambda r: (r["client_id"], r["invoice_no"] or "", r["reason"], r["contract_id"] or "",
                                   r["detail"] or ""))
    return status, lines, review, record


def approve(warehouse: Path, month: date, user: str | None = None) -> Row:
    """Freeze the month's current draft in `closed` (under the warehouse lock); the approval record."""
    from orchestration.run.warehouse_lock import warehouse_lock

    who = user or getpass.getuser()

    def change(con: duckdb.DuckDBPyConnection) -> Row:
        _check_marts(con, warehouse)
        record = _run_record(con, month)
        if record is not None:
            raise InvoiceRunError(
                f"{month:%Y-%m} is already approved (by {record['approved_by']} at"
                f" {record['approved_at']:%Y-%m-%d %H:%M}); its draft is frozen")
        drafted = _draft_month(con)
        if month != drafted:
            raise InvoiceRunError(f"cannot approve {month:%Y-%m}: this warehouse drafts {drafted:%Y-%m}")
        columns = ", ".join(_LINE_COLUMNS)
        con.execute(f"insert into closed.invoice_run_lines ({columns}) select {columns}"
                    " from marts.invoice_run_lines where invoice_month = ?", [month])
        (count,) = con.execute("select count(*) from closed.invoice_run_lines where invoice_month = ?",
                               [month]).fetchone()
        if count == 0:
            raise InvoiceRunError(f"the {month:%Y-%m} draft has no lines: nothing to approve")
        run = con.execute(f"select run_id, as_of from {PUBLISHED_RUN}").fetchone() if has_table(
            con, "raw", "_published_run") else None
        (as_of,) = con.execute("select as_of_date from marts.warehouse_settings").fetchone()
        con.execute("insert into closed.invoice_runs values (?, 'approved', now(), ?, ?, ?, ?, null, null)",
                    [month, who, run[0] if run else None, as_of, count])
        # the published marts say so at once (the next run rebuilds them from closed the same way)
        con.execute("update marts.invoice_run_lines set status = 'approved' where invoice_month = ?", [month])
        return _run_record(con, month) or {}

    _require_file(warehouse)
    with warehouse_lock(warehouse):
        return _change_published(warehouse, change)


def mark_exported(warehouse: Path, month: date, user: str | None = None) -> None:
    """An approved month's import file was written: status exported (the first export's time kept)."""
    from orchestration.run.warehouse_lock import warehouse_lock

    who = user or getpass.getuser()

    def change(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("update closed.invoice_runs set status = 'exported', exported_at = now(), exported_by = ?"
                    " where invoice_month = ? and status = 'approved'", [who, month])
        if has_table(con, "marts", "invoice_run_lines"):
            con.execute("update marts.invoice_run_lines set status = 'exported' where invoice_month = ?", [month])

    with warehouse_lock(warehouse):
        _change_published(warehouse, change)


def _money(value: Decimal) -> str:
    return f"{Decimal(value):.2f}"


def _description(r: Row) -> str:
    return (f"Contract {r['contract_id']} ({r['product_code']}) {LINE_WORDS.get(r['line_type'], r['line_type'])},"
            f" service month {r['service_month']:%Y-%m}")


def qbo_rows(lines: list[Row]) -> list[list[object]]:
    """The QuickBooks Online invoice import rows: money as plain decimals, dates ISO; Customer is
    QuickBooks' display name of the client's customer in that currency when a pull landed it."""
    out: list[list[object]] = []
    for r in lines:
        amount = _money(r["amount"])
        out.append([
            r["invoice_no"], customer_name(r), r["invoice_date"].isoformat(),
            r["due_date"].isoformat(), f"Net {r['terms_days']}", "", "", r["item_name"], _description(r), "1",
            amount, amount, r["service_month"].isoformat(), "" if r["currency"] == HOME_CURRENCY else r["currency"],
        ])
    return out


def _write_csv(path: Path, header: tuple[str, ...], rows: list[list[object]]) -> Path:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    return write_atomically(path, lambda partial: partial.write_bytes(data))


def client_file_name(client_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", client_id) + ".pdf"


def agency() -> tuple[str, list[str]]:
    """The agency's name and remit-to lines (REVWH_AGENCY_NAME, REVWH_REMIT_TO: lines separated by `|`)."""
    name = os.environ.get(AGENCY_ENV, "").strip() or "Your agency (set REVWH_AGENCY_NAME)"
    remit = [p.strip() for p in os.environ.get(REMIT_TO_ENV, "").split("|") if p.strip()]
    return name, remit or ["(set REVWH_REMIT_TO)"]


def _write_pdf(path: Path, client_id: str, lines: list[Row], status: str) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    name = lines[0]["client_name"] or client_id
    agency_name, remit = agency()
    doc = SimpleDocTemplate(str(path), pagesize=LETTER, title=f"Invoice {name}", author=agency_name,
                            leftMargin=0.6 * inch, rightMargin=0.6 * inch, topMargin=0.6 * inch,
                            bottomMargin=0.6 * inch, invariant=1)
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    grid = TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 9),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
        ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ])
    by_invoice: dict[str, list[Row]] = defaultdict(list)
    for r in lines:
        by_invoice[r["invoice_no"]].append(r)
    story: list[Any] = []
    for number in sorted(by_invoice):
        mine = by_invoice[number]
        first = mine[0]
        total = sum((Decimal(r["amount"]) for r in mine), Decimal("0.00"))
        if story:
            story.append(PageBreak())
        story += [
            Paragraph(("DRAFT invoice" if status == "draft" else "Invoice") + f" {_escape(number)}", styles["Title"]),
            Paragraph(f"<b>{_escape(agency_name)}</b>", styles["BodyText"]),
            Paragraph("Remit to: " + "<br/>".join(_escape(x) for x in remit), small),
            Spacer(1, 8),
            Paragraph(f"Bill to: <b>{_escape(name)}</b> ({_escape(client_id)})", styles["BodyText"]),
            Paragraph(f"Invoice date {first['invoice_date']:%Y-%m-%d}; terms Net {first['terms_days']};"
                      f" due date {first['due_date']:%Y-%m-%d}; currency {_escape(first['currency'])}", small),
            Spacer(1, 8),
        ]
        # item and description wrap inside fixed columns that fill the frame: long QuickBooks item names
        # and descriptions must never push the amounts off the page (seen on the demo's invoices)
        table = [["Item", "Description", "Month", f"Amount ({first['currency']})"]] + [
            [Paragraph(_escape(r["item_name"]), small), Paragraph(_escape(_description(r)), small),
             f"{r['service_month']:%Y-%m}", f"{Decimal(r['amount']):,.2f}"]
            for r in mine]
        table.append(["", "", f"Total ({first['currency']})", f"{total:,.2f}"])
        story.append(Table(table, style=grid, hAlign="LEFT", repeatRows=1,
                           colWidths=[1.9 * inch, 3.2 * inch, 0.95 * inch, 1.25 * inch]))
        story.append(Spacer(1, 8))
        story.append(Paragraph(f"Payment due by {first['due_date']:%Y-%m-%d} (Net {first['terms_days']}).", small))
    doc.build(story)


def _escape(text: object) -> str:
    return xml_escape(str(text))


def write_invoice_run(warehouse: Path, month: date, out_dir: Path, *, approve_it: bool = False,
                      approved_by: str | None = None) -> InvoiceRunResult:
    """The month's files (approving it first with approve_it); an approved month's files mark it exported."""
    warehouse = Path(warehouse).expanduser().resolve()
    _require_file(warehouse)
    if approve_it:
        approve(warehouse, month, approved_by)
    status, lines, review, record = read_invoice_run(warehouse, month)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = _write_csv(out_dir / csv_name(month), QBO_COLUMNS, qbo_rows(lines))
    folder = out_dir / pdf_dir_name(month)
    folder.mkdir(exist_ok=True)
    by_client: dict[str, list[Row]] = defaultdict(list)
    for r in lines:
        by_client[r["client_id"]].append(r)
    pdfs = [write_atomically(folder / client_file_name(c),
                             lambda partial, c=c: _write_pdf(partial, c, by_client[c], status))
            for c in sorted(by_client)]
    review_path = None
    if review is not None:
        review_path = _write_csv(out_dir / review_name(month), REVIEW_COLUMNS,
                                 [[r[c] for c in REVIEW_COLUMNS] for r in review])
    action = "approve" if approve_it else "draft" if status == "draft" else "export"
    if status == "approved":
        mark_exported(warehouse, month, approved_by)
        status = "exported"
    result = InvoiceRunResult(month, status, len({r["invoice_no"] for r in lines}), len(lines), csv_path, pdfs,
                              review_path, record["approved_by"] if record else None)
    record_in_dagster(warehouse, result, action, lines, review, approved_by or getpass.getuser())
    return result


def currency_totals(lines: list[Row]) -> dict[str, str]:
    """{currency: the run's total in it, a plain decimal}: the figure finance checks before approving."""
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for r in lines:
        totals[r["currency"]] += Decimal(r["amount"])
    return {currency: _money(total) for currency, total in sorted(totals.items())}


def record_in_dagster(warehouse: Path, result: InvoiceRunResult, action: str, lines: list[Row],
                      review: list[Row] | None, who: str) -> None:
    """A runless materialization of `invoice_run` in the persistent instance (the UI's), like a close's:
    the invoice run is a person's command, not a pipeline run, and finance follows it in the UI."""
    from dagster import AssetKey, AssetMaterialization, MetadataValue

    from orchestration.pipeline.instance import persistent_instance

    totals = currency_totals(lines)
    metadata: dict[str, Any] = {
        "month": f"{result.month:%Y-%m}", "action": action, "status": result.status, "invoices": result.invoices,
        "lines": result.lines, "totals": MetadataValue.json(totals), "by": who, "warehouse": str(warehouse),
        "import_file": MetadataValue.path(str(result.csv)),
    }
    if review is not None:
        metadata["review_reasons"] = len(review)
        metadata["clients_to_review"] = len({r["client_id"] for r in review})
    if result.approved_by is not None:
        metadata["approved_by"] = result.approved_by
    money = ", ".join(f"{currency} {Decimal(total):,.2f}" for currency, total in totals.items()) or "nothing"
    with persistent_instance() as instance:
        instance.report_runless_asset_event(AssetMaterialization(
            asset_key=AssetKey(INVOICE_RUN_ASSET),
            description=f"{action} {result.month:%Y-%m} by {who}: {result.status}, {result.invoices} invoice(s),"
                        f" {money}",
            metadata=metadata,
        ))
