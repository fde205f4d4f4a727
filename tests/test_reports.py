"""What the billing team hands on: names in the marts, the AR aging summary and the EMT workbook.

One warehouse is built through the real nightly job (the landing of test_finance_marts, T =
2026-10-15, with two rows added for the AR summary's unapplied columns), then the workbook the
job wrote is opened with openpyxl. Cells are checked against hand-computed figures and every
totals row against the marts' own sums, as Decimal to the cent.

Added to the finance landing:
  M-C9   goodwill memo 40.00 for F5, no applied invoice, dated Oct 12: an unapplied credit
  M-C10  goodwill memo 25.00 for F5 dated Oct 20, after T: not counted
  P10    payment 30.00 from F6 (no open invoice), Oct 1, applied to nothing: a row of its own
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from orchestration.reports.credit_coop import (
    coop_claims_name,
    credit_run_name,
    enrolment_gaps_name,
    liability_aging_name,
)
from orchestration.reports.workbook import HEADER_ROW, SHEETS, ReportError, workbook_name, write_reports
from tests.landing_builder import query, query_dicts, write_landing
from tests.test_finance_marts import AS_OF, LANDING

REVWH = str(Path(sys.executable).parent / "revwh")
CENT = D("0.01")

REPORT_LANDING = {
    **LANDING,
    "credit_memos": [
        *LANDING["credit_memos"],
        ("M-C9", "F5", "", "", "2026-10-12", "40.00", "goodwill", ""),
        ("M-C10", "F5", "", "", "2026-10-20", "25.00", "goodwill", ""),
    ],
    "payments": [*LANDING["payments"], ("P10", "F6", "2026-10-01", "30.00", "ach", "r10")],
}

CLIENT_MARTS = ("revenue_recognition", "deferred_revenue_rollforward", "ar_aging", "budget_movements",
                "margin_tracker", "coop_reimbursement", "underspend_credits", "budget_pacing",
                "billing_reconciliation")
PRODUCT_MARTS = ("product_client_counts", "budget_movements", "margin_tracker", "revenue_recognition")


@dataclass(frozen=True)
class Built:
    landing: Path
    warehouse: Path
    run_id: str

    @property
    def workbook(self) -> Path:
        return self.warehouse.parent / "reports" / workbook_name(date.fromisoformat(AS_OF))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    from orchestration.run.runner import run_pipeline

    base = tmp_path_factory.mktemp("reports")
    landing = write_landing(base / "landing", REPORT_LANDING)
    warehouse = base / "revwh.duckdb"
    outcome = run_pipeline(landing, warehouse, AS_OF)
    assert outcome.success, "pipeline failed:\n" + "\n".join(outcome.failures)
    return Built(landing, warehouse, outcome.run_id)


@pytest.fixture(scope="module")
def book(built: Built) -> Iterator[openpyxl.Workbook]:
    wb = openpyxl.load_workbook(built.workbook)
    yield wb
    wb.close()


def money(value: Any) -> D:
    """A cell's number back to Decimal: the float written from a 2-place Decimal round-trips."""
    assert isinstance(value, int | float), value
    return D(str(value)).quantize(CENT)


def data_rows(ws: Worksheet) -> list[tuple]:
    """The rows below the column headers (openpyxl rows are 1-based, HEADER_ROW is 0-based)."""
    return [r for r in ws.iter_rows(min_row=HEADER_ROW + 2, values_only=True) if any(v is not None for v in r)]


def headers(ws: Worksheet) -> list[str]:
    return [c.value for c in ws[HEADER_ROW + 1]]


def total_rows(ws: Worksheet) -> list[tuple]:
    return [r for r in data_rows(ws) if r[0] == "Total"]


# --- names in the marts -----------------------------------------------------------------------

def test_client_and_product_names_close_every_client_grain_mart(built: Built) -> None:
    con = duckdb.connect(str(built.warehouse), read_only=True)
    try:
        def columns(table: str) -> list[str]:
            return [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts'"
                " and table_name = ? order by ordinal_position", [table]).fetchall()]

        for mart in CLIENT_MARTS:
            cols = columns(mart)
            tail = ["client_name", "oem", "product_name"] if mart in PRODUCT_MARTS else ["client_name", "oem"]
            assert cols[-len(tail):] == tail, (mart, cols)
            # every row whose client is in clients.csv carries its name (left joins: no row is lost)
            unnamed = con.execute(f"select count(*) from marts.{mart} m where client_name is null and exists"
                                  " (select 1 from staging.stg_contracting__clients c where c.client_id = m.client_id)"
                                  ).fetchone()
            assert unnamed == (0,), mart
        assert columns("product_client_counts")[-1] == "product_name"
        # the billing e-mail is personal data: it stays in staging
        emails = con.execute("select table_name from information_schema.columns where table_schema = 'marts'"
                             " and column_name ilike '%email%'").fetchall()
        assert emails == []
    finally:
        con.close()
    f1 = query_dicts(built.warehouse, "select client_name, oem, product_name from marts.margin_tracker"
                     " where client_id = 'F1' and month = '2026-09-01'")
    assert f1 == [{"client_name": "Alpha Toyota", "oem": "Toyota", "product_name": "Paid search"}]
    seo = query(built.warehouse,
                "select distinct product_name from marts.product_client_counts where product_code = 'SEO'")
    assert seo == [("SEO",)]


# --- the AR aging summary mart ----------------------------------------------------------------

def test_ar_aging_summary_unapplied_payment_and_credit(built: Built) -> None:
    summary_rows = query_dicts(built.warehouse, "select * from marts.ar_aging_summary")
    rows = {(r["client_id"], r["currency"]): r for r in summary_rows}
    f5 = rows[("F5", "USD")]
    # F5's open invoices at T (test_finance_marts): I-C1 600 current (1000 - 400 short pay, due Oct 31);
    # 1-30: I-C2 380 (500 - 120 memo, 14 days) + I-C5 200 (30 days, P9 is after T) = 580;
    # 31-60: none; 61-90: I-C3b 300 (62 days); 90+: I-C4 250 (106 days) -> total 1730.00.
    # Unapplied payments: P8 75.00 (Oct 2) applied to nothing; P1, P3, P7 fully applied; P9 after T -> -75.00.
    # Unapplied credits: M-C9 40.00 (goodwill, no invoice, Oct 12); M-C2 is applied to I-C2, M-C10 is after T
    # -> -40.00. Net balance = 1730.00 - 75.00 - 40.00 = 1615.00.
    assert (f5["client_name"], f5["oem"], f5["current"], f5["days_1_30"], f5["days_31_60"], f5["days_61_90"],
            f5["over_90"], f5["total"], f5["unapplied_payments"], f5["unapplied_credits"], f5["net_balance"]) == (
        "Echo Nissan", "Nissan", D("600.00"), D("580.00"), D("0.00"), D("300.00"), D("250.00"), D("1730.00"),
        D("-75.00"), D("-40.00"), D("1615.00"))
    # F6 owes nothing and paid 30.00 that is applied to nothing: a row of its own, net -30.00 (a credit balance)
    f6 = rows[("F6", "USD")]
    assert (f6["total"], f6["unapplied_payments"], f6["unapplied_credits"], f6["net_balance"]) == (
        D("0.00"), D("-30.00"), D("0.00"), D("-30.00"))
    # underspend memos without an invoice (M-A8 3000.00 for F1, M-B8 1000.00 for F3) are credits the dealer
    # holds (SPEC 6): they count in unapplied_credits, so net_balance is what the ledger shows
    assert rows[("F1", "USD")]["unapplied_credits"] == D("-3000.00")
    assert rows[("F3", "USD")]["unapplied_credits"] == D("-1000.00")
    # F2 bills in CAD: 1000.00 CAD current (I-D1, due Oct 31)
    assert (rows[("F2", "CAD")]["current"], rows[("F2", "CAD")]["total"]) == (D("1000.00"), D("1000.00"))
    # per currency the totals are ar_aging's
    summary = query(built.warehouse, "select currency, sum(total) from marts.ar_aging_summary group by 1 order by 1")
    aging = query(built.warehouse, "select currency, sum(open_amount) from marts.ar_aging group by 1 order by 1")
    assert summary == aging == [("CAD", D("1000.00")), ("USD", D("22660.00"))]


# --- the workbook -----------------------------------------------------------------------------

def test_workbook_sheets_and_frozen_headers(built: Built, book: openpyxl.Workbook) -> None:
    assert built.workbook.is_file()
    assert book.sheetnames == list(SHEETS) == ["Product revenue", "Net revenue", "Client counts", "Recurring bridge",
                                                  "AR aging", "Collections"]
    for ws in book.worksheets:
        assert f"as of {AS_OF}" in ws["A1"].value, ws.title
        # the title, two lines and the column headers stay in view
        assert ws.freeze_panes is not None and ws[ws.freeze_panes].row == HEADER_ROW + 2, ws.title
    money_cell = book["AR aging"].cell(row=HEADER_ROW + 2, column=5)
    assert money_cell.number_format == "#,##0.00"
    # no half-written file is left behind: the workbook, the four CSVs of
    # tests/test_reports_credit_coop.py and the statements folder, nothing else
    assert sorted(p.name for p in built.workbook.parent.iterdir()) == sorted(
        [*_report_names(built.workbook.name)[:8], "statements-2026-10-15"])
    assert sorted(p.name for p in (built.workbook.parent / "statements-2026-10-15").iterdir()) == sorted(
        _report_names(built.workbook.name)[8:])


def test_product_revenue_sheet(built: Built, book: openpyxl.Workbook) -> None:
    ws = book["Product revenue"]
    assert ws["A2"].value.startswith("Gross (principal) presentation")
    head = headers(ws)
    assert head[:2] == ["Product code", "Product"] and head[-1] == "Total"
    months = head[2:-1]
    assert months == [f"2026-{m:02d}" for m in range(1, 11)]
    rows = {r[0]: r for r in data_rows(ws)}
    # SEARCH Sep: USD 4450 (A1) + 155 (B1 fee, no spend) + CAD 1700 x 0.74 (Sep 30) = 1258.00 -> 5863.00
    assert money(rows["SEARCH"][2 + months.index("2026-09")]) == D("5863.00")
    assert rows["SEARCH"][1] == "Paid search"
    # the totals row and the total column are the mart's sums, to the cent
    mart = {(c, m.strftime("%Y-%m")): v for c, m, v in query(
        built.warehouse, "select product_code, month, recognized_revenue_usd from marts.product_client_counts")}
    by_month = dict(query(built.warehouse, "select strftime(month, '%Y-%m'), sum(recognized_revenue_usd)"
                                           " from marts.product_client_counts group by 1"))
    total = rows["Total"]
    for i, month in enumerate(months, start=2):
        assert money(total[i]) == by_month[month], month
        for code in ("SEARCH", "SEO"):
            assert money(rows[code][i]) == mart[(code, month)], (code, month)
    grand = query(built.warehouse, "select sum(recognized_revenue_usd) from marts.product_client_counts")[0][0]
    assert money(total[-1]) == grand
    for code in ("SEARCH", "SEO"):
        assert money(rows[code][-1]) == sum(v for (c, _), v in mart.items() if c == code)


def test_net_revenue_sheet(built: Built, book: openpyxl.Workbook) -> None:
    ws = book["Net revenue"]
    head = headers(ws)
    months = head[2:-1]
    rows = {r[0]: r for r in data_rows(ws)}
    # SEARCH Sep fees: A1 450.00 + B1 155.00 (USD) + E1 200.00 CAD x 0.74 (Sep 30) = 148.00 -> 753.00
    assert money(rows["SEARCH"][2 + months.index("2026-09")]) == D("753.00")
    mart = query(built.warehouse, "select sum(recognized_fee_usd) from marts.product_client_counts")[0][0]
    assert money(rows["Total"][-1]) == mart
    # fees are part of the (gross) revenue: SEARCH Sep 5863.00 of which 753.00 fees
    assert query(built.warehouse, """select recognized_revenue_usd, recognized_fee_usd from marts.product_client_counts
                                     where product_code = 'SEARCH' and month = '2026-09-01'""") == [
        (D("5863.00"), D("753.00"))]


def test_client_counts_sheet(built: Built, book: openpyxl.Workbook) -> None:
    ws = book["Client counts"]
    assert headers(ws) == ["Month", "Product code", "Product", "Active clients", "New clients", "Churned clients",
                           "Reactivated (of new)"]
    rows = {(r[0].strftime("%Y-%m") if r[0] != "Total" else "Total", r[1]): r for r in data_rows(ws)}
    # SEARCH: Aug {F1, F3}; Sep {F1, F3, F2}: 3 active, F2 new (first month: not reactivated);
    # Oct {F1, F2}: F3 churned
    assert rows[("2026-09", "SEARCH")][3:] == (3, 1, 0, 0)
    assert rows[("2026-10", "SEARCH")][3:] == (2, 0, 1, 0)
    (total,) = total_rows(ws)
    assert total[3:] == query(built.warehouse, "select sum(active_clients), sum(new_clients), sum(churned_clients),"
                                               " sum(reactivated_clients) from marts.product_client_counts")[0]


def test_recurring_bridge_sheet(built: Built, book: openpyxl.Workbook) -> None:
    ws = book["Recurring bridge"]
    assert headers(ws) == ["Month", "Product code", "Product", "Currency", "Opening", "New", "Upsell",
                           "Reactivation", "Decrease", "Cancellation", "Closing"]
    rows = {(r[0].strftime("%Y-%m"), r[1], r[3]): r for r in data_rows(ws) if r[0] != "Total"}
    # SEARCH Sep, USD: opening F1 3000 + F3 3100 = 6100; F1 upsell 3000 (6000 from Sep 16);
    # F3 cancelled Sep 15 -> cancellation 3100; closing 6000 + 0 = 6000.00
    sep = rows[("2026-09", "SEARCH", "USD")]
    assert [money(v) for v in sep[4:]] == [D("6100.00"), D("0.00"), D("3000.00"), D("0.00"), D("0.00"),
                                           D("3100.00"), D("6000.00")]
    # CAD stays apart: F2's 2000 CAD is new in Sep
    assert money(rows[("2026-09", "SEARCH", "CAD")][5]) == D("2000.00")
    totals = {r[3]: [money(v) for v in r[4:]] for r in total_rows(ws)}
    mart = query(built.warehouse, "select currency, sum(opening), sum(new), sum(upsell), sum(reactivation),"
                                  " sum(decrease), sum(cancellation), sum(closing) from marts.budget_movements"
                                  " group by 1 order by 1")
    assert totals == {c: list(v) for c, *v in mart}
    assert sorted(totals) == ["CAD", "USD"]


def test_ar_aging_sheet(built: Built, book: openpyxl.Workbook) -> None:
    ws = book["AR aging"]
    assert headers(ws) == ["Client", "Client ID", "OEM", "Currency", "Current", "1 - 30", "31 - 60", "61 - 90",
                           "91 and over", "Total", "Unapplied payments", "Unapplied credits", "Net balance"]
    rows = {(r[1], r[3]): r for r in data_rows(ws) if r[0] != "Total"}
    f5 = rows[("F5", "USD")]
    assert f5[:3] == ("Echo Nissan", "F5", "Nissan")
    # 1-30: I-C2 380.00 + I-C5 200.00 = 580.00; net 1730.00 - 75.00 - 40.00 = 1615.00
    assert (money(f5[5]), money(f5[9]), money(f5[10]), money(f5[11]), money(f5[12])) == (
        D("580.00"), D("1730.00"), D("-75.00"), D("-40.00"), D("1615.00"))
    # one totals row per currency, equal to ar_aging's open amounts by bucket and to the summary's columns
    totals = {r[3]: [money(v) for v in r[4:]] for r in total_rows(ws)}
    aging = {c: list(v) for c, *v in query(built.warehouse, """
        select currency,
            coalesce(sum(open_amount) filter (where aging_bucket = 'current'), 0),
            coalesce(sum(open_amount) filter (where aging_bucket = '1-30'), 0),
            coalesce(sum(open_amount) filter (where aging_bucket = '31-60'), 0),
            coalesce(sum(open_amount) filter (where aging_bucket = '61-90'), 0),
            coalesce(sum(open_amount) filter (where aging_bucket = '90+'), 0),
            sum(open_amount)
        from marts.ar_aging group by 1""")}
    summary = {c: list(v) for c, *v in query(built.warehouse, """
        select currency, sum(unapplied_payments), sum(unapplied_credits), sum(net_balance)
        from marts.ar_aging_summary group by 1""")}
    assert sorted(totals) == sorted(aging) == ["CAD", "USD"]
    for currency, cells in totals.items():
        assert cells[:6] == aging[currency], currency
        assert cells[6:] == summary[currency], currency
    # USD: 22660.00 open - 105.00 unapplied payments (P8 75 + P10 30) - 4040.00 credits (M-C9 40 and the
    # underspend memos M-A8 3000 and M-B8 1000, held by the dealers) = 18515.00
    assert totals["USD"][-1] == D("18515.00")


def test_collections_worklist_mart(built: Built) -> None:
    rows = query_dicts(built.warehouse, "select * from marts.collections_worklist")
    got = [(r["worklist_rank"], r["client_id"], r["invoice_id"], r["days_past_due"], r["open_amount"]) for r in rows]
    # Past due at T = Oct 15 (due date basis), open amounts as in ar_aging:
    #   F1: I-A8 3300.00 (45 days), I-A9 3300.00 (14)                      -> 6600.00 USD at risk, rank 1
    #   F3: I-B9 3410.00 (14)                                              -> 3410.00, rank 2
    #   F5: I-C4 250.00 (106), I-C3b 300.00 (62), I-C5 200.00 (30), I-C2 380.00 (14) -> 1130.00, rank 3
    # Not due yet, so not listed: I-A10, I-B10, I-C1, I-D1 (CAD), I-D2.
    assert got == [
        (1, "F1", "I-A8", 45, D("3300.00")), (1, "F1", "I-A9", 14, D("3300.00")),
        (2, "F3", "I-B9", 14, D("3410.00")),
        (3, "F5", "I-C4", 106, D("250.00")), (3, "F5", "I-C3b", 62, D("300.00")),
        (3, "F5", "I-C5", 30, D("200.00")), (3, "F5", "I-C2", 14, D("380.00")),
    ]
    by_invoice = {r["invoice_id"]: r for r in rows}
    assert [by_invoice[i]["client_past_due_usd"] for i in ("I-A8", "I-B9", "I-C2")] == [
        D("6600.00"), D("3410.00"), D("1130.00")]
    # I-C2 carries the 120.00 dispute memo M-C2 and is still open: an open dispute
    assert (by_invoice["I-C2"]["disputed_credits"], by_invoice["I-C2"]["is_open_dispute"]) == (D("120.00"), True)
    assert not by_invoice["I-C5"]["is_open_dispute"]
    # F5's latest payment on or before T is P1 (Oct 10, 400.00); P9 (Oct 20) is after T; F1 never paid
    assert (by_invoice["I-C4"]["last_payment_date"], by_invoice["I-C4"]["last_payment_amount"]) == (
        date(2026, 10, 10), D("400.00"))
    assert by_invoice["I-A8"]["last_payment_date"] is None
    # F5's only unapplied cash is P8 75.00: no past-due invoice of exactly 75.00, so no suggestion
    assert all(r["suggested_payment_id"] is None for r in rows)
    # only I-C4 is 90+: 250.00 proposed for write-off
    assert {i: r["proposed_write_off"] for i, r in by_invoice.items() if r["proposed_write_off"]} == {
        "I-C4": D("250.00")}


def test_collections_sheet(built: Built, book: openpyxl.Workbook) -> None:
    ws = book["Collections"]
    head = headers(ws)
    assert head[:5] == ["Rank", "Client", "Client ID", "Currency", "Invoice"]
    body = [r for r in data_rows(ws) if r[0] != "Total"]
    assert [(r[0], r[1], r[4]) for r in body][:3] == [(1, "Alpha Toyota", "I-A8"), (1, "Alpha Toyota", "I-A9"),
                                                      (2, "Gamma Ford", "I-B9")]
    c4 = next(r for r in body if r[4] == "I-C4")
    assert money(c4[head.index("Open amount")]) == D("250.00")
    assert money(c4[head.index("Proposed write-off")]) == D("250.00")
    assert c4[head.index("Last payment")].date() == date(2026, 10, 10)
    assert next(r for r in body if r[4] == "I-C2")[head.index("Open dispute")] == "yes"
    # totals per currency equal the mart: USD open 6600 + 3410 + 1130 = 11140.00, write-offs 250.00
    (total,) = total_rows(ws)
    assert total[head.index("Currency")] == "USD"
    assert (money(total[head.index("Open amount")]), money(total[head.index("Proposed write-off")])) == (
        D("11140.00"), D("250.00"))
    assert query(built.warehouse, "select sum(open_amount), sum(proposed_write_off) from marts.collections_worklist"
                 ) == [(D("11140.00"), D("250.00"))]


def test_client_statement_lines(built: Built) -> None:
    lines = query(built.warehouse, """
        select line_type, document_id, document_date, amount, open_amount from marts.client_statements
        where client_id = 'F5' order by line_type, document_id""")
    # F5 at T = Oct 15, statement period Oct 1 - Oct 15:
    #   credit memos in the period: M-C2 dispute 120.00 (Oct 5), M-C9 goodwill 40.00 (Oct 12); M-C10 is Oct 20
    #   open invoices (ar_aging): I-C1 1000 - 400 = 600.00, I-C2 500 - 120 = 380.00, I-C3b 300.00, I-C4 250.00,
    #     I-C5 200.00 (I-C3 and I-C7 are settled)
    #   payments in the period: P1 400.00 (Oct 10), P8 75.00 (Oct 2); P3 and P7 are September, P9 Oct 20
    assert lines == [
        ("credit_memo", "M-C2", date(2026, 10, 5), D("120.00"), None),
        ("credit_memo", "M-C9", date(2026, 10, 12), D("40.00"), None),
        ("open_invoice", "I-C1", date(2026, 10, 1), D("1000.00"), D("600.00")),
        ("open_invoice", "I-C2", date(2026, 9, 1), D("500.00"), D("380.00")),
        ("open_invoice", "I-C3b", date(2026, 7, 15), D("300.00"), D("300.00")),
        ("open_invoice", "I-C4", date(2026, 6, 1), D("250.00"), D("250.00")),
        ("open_invoice", "I-C5", date(2026, 8, 16), D("200.00"), D("200.00")),
        ("payment", "P1", date(2026, 10, 10), D("400.00"), None),
        ("payment", "P8", date(2026, 10, 2), D("75.00"), None),
    ]
    # the open lines add up to the AR aging summary's total, for every client and currency
    assert query(built.warehouse, """
        select count(*) from marts.ar_aging_summary s
        left join (select client_id, currency, sum(open_amount) as open from marts.client_statements
                   where line_type = 'open_invoice' group by 1, 2) l using (client_id, currency)
        where s.total <> coalesce(l.open, 0)""") == [(0,)]


def test_client_statement_pdfs(built: Built) -> None:
    from pypdf import PdfReader

    from orchestration.reports.statements import statements_dir_name

    folder = built.warehouse.parent / "reports" / statements_dir_name(date.fromisoformat(AS_OF))
    # one per client with a row in ar_aging_summary: F1-F5 owe, F6 has only unapplied cash (P10)
    assert sorted(p.name for p in folder.glob("*.pdf")) == [f"F{i}.pdf" for i in range(1, 7)]
    reader = PdfReader(folder / "F5.pdf")
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Statement of account" in text and "Echo Nissan (F5)" in text
    assert "Statement date 2026-10-15; activity from 2026-10-01" in text
    # balance: open 1730.00 - unapplied P8 75.00 - unapplied goodwill M-C9 40.00 = 1615.00
    assert "Open invoices 1,730.00" in text
    assert "Balance due (USD) 1,615.00" in text
    assert "I-C4" in text and "P1" in text and "M-C9" in text and "P9" not in text
    assert (folder / "F5.pdf").stat().st_size > 1500
    f6 = " ".join(PdfReader(folder / "F6.pdf").pages[0].extract_text().split())
    assert "No open invoices." in f6 and "Balance due (USD) -30.00" in f6


def test_statements_from_a_pool_of_processes_equal_one_process(built: Built, tmp_path: Path) -> None:
    """Agency-size runs lay statements out in worker processes (PARALLEL_FROM and up); the six
    clients here are forced through a pool of two: the same files, in client order, same text."""
    from pypdf import PdfReader

    from orchestration.reports.statements import write_statements

    serial = write_statements(built.warehouse, tmp_path / "one", workers=1)
    pooled = write_statements(built.warehouse, tmp_path / "pool", workers=2)
    assert [p.name for p in pooled] == [p.name for p in serial] == [f"F{i}.pdf" for i in range(1, 7)]
    for one, many in zip(serial, pooled, strict=True):
        assert many.parent.parent == tmp_path / "pool"
        assert PdfReader(many).pages[0].extract_text() == PdfReader(one).pages[0].extract_text()
    assert not list((tmp_path / "pool").rglob(".*.partial"))


def test_weekly_flash_workbook_and_page(built: Built) -> None:
    import base64
    import re

    from PIL import Image

    from orchestration.reports.flash import flash_html_name, flash_xlsx_name, pacing_png_name

    t = date.fromisoformat(AS_OF)
    folder = built.workbook.parent
    weeks = query_dicts(built.warehouse, "select * from marts.weekly_flash order by week_start desc limit 13")
    this, last = weeks[0], weeks[1]
    assert this["week_start"] == date(2026, 10, 12)  # the ISO week of T (Monday Oct 12)
    wb = openpyxl.load_workbook(folder / flash_xlsx_name(t))
    try:
        ws = wb["Weekly flash"]
        assert ws["A1"].value.startswith(f"Weekly flash as of {AS_OF}: the last 13 ISO weeks")
        table = {r[0]: r[1:5] for r in ws.iter_rows(min_row=6, max_row=13, values_only=True)}
        billings = table["Billings USD"]
        # this week, last week, change = this - last, all equal to the mart
        assert [money(v) for v in billings[:3]] == [
            this["billings_usd"], last["billings_usd"], this["billings_usd"] - last["billings_usd"]]
        under = table["Contracts under pacing"]
        assert under[:3] == (this["contracts_under_pacing"], last["contracts_under_pacing"],
                             this["contracts_under_pacing"] - last["contracts_under_pacing"])
        week_rows = [r for r in ws.iter_rows(min_row=16, values_only=True) if r[0] is not None]
        assert len(week_rows) == 13 and week_rows[-1][2] == this["iso_week"]
        assert [money(r[6]) for r in week_rows] == [w["spend_usd"] for w in reversed(weeks)]
    finally:
        wb.close()
    page = (folder / flash_html_name(t)).read_text(encoding="utf-8")
    assert f"Weekly flash as of {AS_OF} ({this['iso_week']})" in page
    assert f"<td>Billings USD</td><td>{this['billings_usd']:,.2f}</td>" in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 4
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "http://" not in page and "https://" not in page  # opens with no network
    with Image.open(folder / pacing_png_name(t)) as png:
        assert png.format == "PNG" and png.size[0] >= 700 and png.size[1] >= 250
    assert (folder / pacing_png_name(t)).stat().st_size > 10_000


def test_net_presentation_is_said_in_the_header(built: Built, tmp_path: Path) -> None:
    # The header line follows the setting the warehouse was built with (marts.warehouse_settings);
    # a copy stands in for a warehouse built with revenue_presentation = net.
    copy = tmp_path / "net.duckdb"
    shutil.copy2(built.warehouse, copy)
    con = duckdb.connect(str(copy))
    con.execute("update marts.warehouse_settings set revenue_presentation = 'net'")
    con.close()
    path, *_csvs = write_reports(copy, tmp_path / "out")
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        line = wb["Product revenue"]["A2"].value
    finally:
        wb.close()
    assert line.startswith("NET (agent) presentation") and "not gross" in line


# --- how it runs --------------------------------------------------------------------------------

def test_billing_reports_ran_in_the_nightly_job(built: Built) -> None:
    from dagster import AssetKey, DagsterEventType

    from orchestration.pipeline.instance import persistent_instance
    from orchestration.settings import NIGHTLY_JOB

    with persistent_instance() as instance:
        run = instance.get_run_by_id(built.run_id)
        logs = instance.all_logs(built.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
    assert run is not None and run.job_name == NIGHTLY_JOB
    materialized = {e.dagster_event.asset_key for e in logs}
    assert {AssetKey("published_warehouse"), AssetKey("billing_reports")} <= materialized
    (event,) = [e for e in logs if e.dagster_event.asset_key == AssetKey("billing_reports")]
    files = event.dagster_event.materialization.metadata["files"].value
    assert files[0] == str(built.workbook.resolve())
    assert sorted(Path(f).name for f in files) == sorted(_report_names(built.workbook.name))


def test_revwh_report_writes_the_workbook(built: Built, tmp_path: Path) -> None:
    before = hashlib.sha256(built.warehouse.read_bytes()).hexdigest()
    out = tmp_path / "handover"
    proc = subprocess.run([REVWH, "report", "--warehouse", str(built.warehouse), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    written = out / built.workbook.name
    assert written.is_file()
    assert proc.stdout.splitlines()[0] == str(written.resolve())
    wb = openpyxl.load_workbook(written, read_only=True)
    assert wb.sheetnames == list(SHEETS)
    wb.close()
    # read-only: the published warehouse is byte for byte the same
    assert hashlib.sha256(built.warehouse.read_bytes()).hexdigest() == before


def test_revwh_report_refuses_a_missing_or_old_warehouse(tmp_path: Path) -> None:
    proc = subprocess.run([REVWH, "report", "--warehouse", str(tmp_path / "none.duckdb")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "revwh: no warehouse at" in proc.stderr and "Traceback" not in proc.stderr
    old = tmp_path / "old.duckdb"
    duckdb.connect(str(old)).execute("create schema marts; create table marts.ar_aging (x int)").close()
    with pytest.raises(ReportError, match="built by an older revwh"):
        write_reports(old, tmp_path / "out")


def test_a_failed_report_leaves_the_new_warehouse_published(built: Built, tmp_path: Path) -> None:
    """The report step comes after publishing: when it fails the run fails (and alerts), but the
    warehouse it published stays published and complete."""
    from orchestration.run.runner import run_pipeline

    landing = tmp_path / "landing"
    shutil.copytree(built.landing, landing)
    warehouse = tmp_path / "revwh.duckdb"
    shutil.copy2(built.warehouse, warehouse)
    (tmp_path / "reports").write_text("a file where the reports folder should be\n")
    outcome = run_pipeline(landing, warehouse, "2026-10-16")
    assert not outcome.success and not outcome.blocked
    assert outcome.published  # so the CLI says the new warehouse was published, not "not changed"
    assert any(line.startswith("step billing_reports failed") for line in outcome.failures), outcome.failures
    # the run's warehouse (T = Oct 16) is the published one, whole and queryable; no working copy is left
    assert query(warehouse, "select as_of_date from marts.warehouse_settings")[0][0].isoformat() == "2026-10-16"
    assert query(warehouse, "select count(*) from marts.ar_aging_summary") == [(6,)]
    assert not warehouse.with_name(warehouse.name + ".building").exists()


def test_billing_reports_is_in_the_nightly_job_after_publish() -> None:
    from dagster import AssetKey

    from orchestration.pipeline.definitions import defs
    from orchestration.settings import NIGHTLY_JOB

    job = defs.resolve_job_def(NIGHTLY_JOB)
    assert AssetKey("billing_reports") in job.asset_layer.executable_asset_keys
    parents = defs.resolve_asset_graph().get(AssetKey("billing_reports")).parent_keys
    assert parents == {AssetKey("published_warehouse")}


def _report_names(workbook: str) -> list[str]:
    """Every file write_reports writes for the warehouse of AS_OF: the workbook, four CSVs and the
    statements of the six clients with a row in ar_aging_summary."""
    as_of = date.fromisoformat(AS_OF)
    return [workbook, credit_run_name(as_of), liability_aging_name(as_of), coop_claims_name(as_of),
            enrolment_gaps_name(as_of), f"weekly-flash-{AS_OF}.xlsx", f"weekly-flash-{AS_OF}.html",
            f"pacing-{AS_OF}.png", *[f"F{i}.pdf" for i in range(1, 7)]]


def test_pacing_chart_of_a_whole_book_is_a_histogram() -> None:
    """Hundreds of contracts: one screen-high histogram of the ratios, not a bar per contract."""
    import io

    from PIL import Image

    from orchestration.reports.flash import BAR_CHART_MAX, FlashData, _pacing_png

    statuses = ["under", "on_track", "over"]
    rows = [{"contract_id": f"K{i}", "client_name": None, "pacing_ratio": D(i % 30) / 20,
             "pacing_status": statuses[i % 3]} for i in range(300)]
    assert len(rows) > BAR_CHART_MAX
    png = _pacing_png(FlashData(date(2026, 10, 15), [], rows, D("0.90"), D("1.10")))
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (750, 400)  # 7.5 x 4 inches at 100 dpi, whatever the number of contracts
    small = _pacing_png(FlashData(date(2026, 10, 15), [], rows[:10], D("0.90"), D("1.10")))
    with Image.open(io.BytesIO(small)) as image:
        assert image.size == (750, 420)  # one bar per contract: 0.3 in x 10 + 1.2 in
