"""Month-end close: `revwh close` freezes a month, later runs report restatements, `revwh reopen`.

Starts from a copy of the spine warehouse (tests/conftest.py, T = 2026-10-15: September is over,
October is not) and its landing; one more nightly run lands a late underspend memo for
September (dated Sep 30) and one of October for September's contract month. Figures are those of
tests/test_spine_rules.py:
  K4 September: credit due 1000.00 at Sep 30 (what the close freezes; the dispute memo M2 dated Oct 5
  takes it to 909.09 as of T) and underspend memo M1 600.00 dated Oct 5 -> outstanding liability
  1000.00 at Sep 30 and 309.09 as of T (marts.underspend_credits)
  INV-K4 5500.00 dated Sep 1, due Oct 1, unpaid: open at Sep 30, -1 day past due -> current
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from tests.landing_builder import query, query_dicts

REVWH = str(Path(sys.executable).parent / "revwh")
AS_OF = "2026-10-15"
LATE_MEMO = "accounting/credit_memos_2026-10.csv"
QBO_BALANCES = "accounting/qbo_balances.csv"


def revwh(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([REVWH, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "REVWH_PROGRESS": "0"})


@pytest.fixture(scope="module")
def closed(spine_cli_run: tuple, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(landing, warehouse): copies of the spine run's, with September closed."""
    landing0, wh0, proc = spine_cli_run
    assert proc.returncode == 0, proc.stderr
    base = tmp_path_factory.mktemp("close")
    landing, wh = base / "landing", base / "revwh.duckdb"
    shutil.copytree(landing0, landing)
    shutil.copy2(wh0, wh)
    done = revwh("close", "--month", "2026-09", "--prepared-by", "pat", "--warehouse", str(wh))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("revwh close: 2026-09 closed (close 1): ")
    approved = revwh("close", "--approve", "--month", "2026-09", "--approved-by", "sam", "--warehouse", str(wh))
    assert approved.returncode == 0, approved.stderr
    return landing, wh


@pytest.fixture
def fresh(spine_cli_run: tuple, tmp_path: Path) -> Path:
    """A copy of the spine warehouse, nothing closed (for the fast checks of the close's controls)."""
    _landing, wh0, proc = spine_cli_run
    assert proc.returncode == 0, proc.stderr
    shutil.copy2(wh0, tmp_path / "revwh.duckdb")
    return tmp_path / "revwh.duckdb"


def _fake_close(wh: Path, month: str) -> None:
    """A close of `month` in the register only (the spine has figures for September alone): what an
    earlier, real close of that month leaves in closed.close_log."""
    import duckdb

    from orchestration.close.month_close import ensure_closed_schema

    con = duckdb.connect(str(wh))
    try:
        ensure_closed_schema(con)
        con.execute("insert into closed.close_log (close_id, month, status, closed_at, closed_by, figures)"
                    " select coalesce(max(close_id), 0) + 1, ?, 'closed', now(), 'pat', 1 from closed.close_log",
                    [f"{month}-01"])
    finally:
        con.close()


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    assert len(reader.pages) == 1  # a one-page summary
    return reader.pages[0].extract_text()


def _sheets(path: Path) -> dict[str, list[tuple]]:
    """Every sheet's rows (values) of a workbook, with openpyxl."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def _row(sheet: list[tuple], first: str) -> tuple:
    (row,) = [r for r in sheet if r and r[0] == first]
    return row


def test_months_close_in_order(fresh: Path) -> None:
    _fake_close(fresh, "2026-07")
    proc = revwh("close", "--month", "2026-09", "--prepared-by", "pat", "--warehouse", str(fresh))
    assert (proc.returncode, proc.stderr.strip()) == (
        2, "revwh: cannot close 2026-09: months close in order and the latest closed month is 2026-07,"
           " so the next one to close is 2026-08")
    assert query(fresh, "select count(*) from closed.close_log") == [(1,)]  # nothing changed


def test_a_middle_month_cannot_be_reopened(fresh: Path) -> None:
    _fake_close(fresh, "2026-08")
    done = revwh("close", "--month", "2026-09", "--prepared-by", "pat", "--warehouse", str(fresh))
    assert done.returncode == 0, done.stderr  # the month after the latest closed one
    proc = revwh("reopen", "--month", "2026-08", "--reason", "typo", "--warehouse", str(fresh))
    assert (proc.returncode, proc.stderr.strip()) == (
        2, "revwh: cannot reopen 2026-08: later month(s) 2026-09 are closed; reopen them first, the latest first")
    assert query(fresh, "select month::varchar, status from closed.close_log order by 1") == [
        ("2026-08-01", "closed"), ("2026-09-01", "closed")]


def test_a_month_with_nothing_to_freeze_is_refused(fresh: Path) -> None:
    proc = revwh("close", "--month", "1999-01", "--prepared-by", "pat", "--warehouse", str(fresh))
    assert (proc.returncode, proc.stderr.strip()) == (
        2, "revwh: cannot close 1999-01: marts.close_figures has no figure for it; a month with nothing to freeze"
           " is not closed")
    assert query(fresh, "select count(*) from closed.close_log") == [(0,)]


def test_a_close_is_final_only_when_approved_by_another_person(fresh: Path) -> None:
    done = revwh("close", "--month", "2026-09", "--prepared-by", "pat", "--warehouse", str(fresh))
    assert done.returncode == 0, done.stderr
    assert "prepared by pat; NOT FINAL until approved by another person" in done.stdout
    pdf = fresh.parent / "reports" / "close-2026-09.pdf"
    assert f"close package: {pdf.with_suffix('.xlsx')} and {pdf}" in done.stdout
    assert "NOT FINAL: awaiting approval" in _pdf_text(pdf) and "not approved" in _pdf_text(pdf)
    status = revwh("close", "--status", "--warehouse", str(fresh))
    assert status.stdout.strip() == "2026-09 close 1: closed, prepared by pat - NOT FINAL: awaiting approval"
    same = revwh("close", "--approve", "--month", "2026-09", "--approved-by", "pat", "--warehouse", str(fresh))
    assert (same.returncode, same.stderr.strip()) == (
        2, "revwh: pat prepared the close of 2026-09: another person approves it"
           " (or set REVWH_CLOSE_SAME_PERSON=1 where one person does both)")
    ok = revwh("close", "--approve", "--month", "2026-09", "--approved-by", "sam", "--warehouse", str(fresh))
    assert ok.returncode == 0, ok.stderr
    # the approval regenerates the package: it shows the approver
    assert "Approved: the close is final" in _pdf_text(pdf) and "approved by sam at" in _pdf_text(pdf)
    assert query(fresh, "select closed_by, approved_by, approved_at is not null from closed.close_log") == [
        ("pat", "sam", True)]
    status = revwh("close", "--status", "--warehouse", str(fresh))
    assert status.stdout.strip() == "2026-09 close 1: closed, prepared by pat, approved by sam - final"


def test_the_close_records_the_landing_files_it_froze(fresh: Path) -> None:
    done = revwh("close", "--month", "2026-09", "--prepared-by", "pat", "--warehouse", str(fresh))
    assert done.returncode == 0, done.stderr
    frozen = query(fresh, "select source_file, content_hash, loaded_at from closed.close_files where close_id = 1"
                          " order by 1")
    landed = query(fresh, "select source_file, content_hash, loaded_at from raw._files where status = 'loaded'"
                          " order by 1")
    assert frozen == landed and len(frozen) > 10
    assert ("accounting/credit_memos.csv" in {f for f, _h, _t in frozen}
            and all(len(h) >= 32 for _f, h, _t in frozen))


def test_close_refusals(closed: tuple[Path, Path], tmp_path: Path) -> None:
    _landing, wh = closed
    cases = [
        (("close", "--month", "2026-10", "--warehouse", str(wh)),
         "revwh: cannot close 2026-10: the warehouse is as of 2026-10-15, before the month's last day 2026-10-31;"
         " run it as of 2026-10-31 or later first"),
        (("close", "--month", "2026-9", "--warehouse", str(wh)), "revwh: expected a month YYYY-MM, got '2026-9'"),
        (("close", "--month", "2026-08", "--warehouse", str(tmp_path / "none.duckdb")),
         f"revwh: no warehouse at {tmp_path / 'none.duckdb'}: run `revwh run` first, or pass --warehouse"),
        (("reopen", "--month", "2026-08", "--reason", "typo", "--warehouse", str(wh)),
         "revwh: 2026-08 is not closed: nothing to reopen"),
    ]
    for args, line in cases:
        proc = revwh(*args)
        assert (proc.returncode, proc.stderr.strip()) == (2, line), args
    again = revwh("close", "--month", "2026-09", "--warehouse", str(wh))
    assert again.returncode == 2
    assert "revwh: 2026-09 is already closed (by " in again.stderr and "`revwh reopen --month 2026-09" in again.stderr


def test_close_freezes_the_month_with_the_publishing_run(closed: tuple[Path, Path], spine_dagster_home: Path) -> None:
    from dagster import DagsterInstance, DagsterRunStatus

    _landing, wh = closed
    (log,) = query_dicts(wh, "select * from closed.close_log")
    assert (log["close_id"], log["month"].isoformat(), log["status"], str(log["warehouse_as_of"])) == (
        1, "2026-09-01", "closed", AS_OF)
    assert (log["closed_by"], log["approved_by"]) == ("pat", "sam") and log["approved_at"] is not None
    # the run that published the closed warehouse is a successful run in the Dagster instance it
    # was recorded in (the shared spine run's, tests/conftest.py)
    with DagsterInstance.from_config(str(spine_dagster_home)) as instance:
        run = instance.get_run_by_id(log["close_run_id"])
    assert run is not None and run.status == DagsterRunStatus.SUCCESS
    frozen = {(r["mart"], r["figure"], r["figure_key"]): r["value"] for r in query_dicts(
        wh, "select * from closed.figures where close_id = 1")}
    assert log["figures"] == len(frozen) > 0
    # as of Sep 30: memos M1 and M2 (Oct 5) belong to October
    assert frozen[("underspend_credits", "outstanding_liability", "contract K4")] == D("1000.00")
    assert frozen[("underspend_credits", "credit_due", "contract K4")] == D("1000.00")
    assert frozen[("ar_aging_month_end", "open_amount", "invoice INV-K4")] == D("5500.00")
    # every figure is the September value of close_figures, and only September's
    assert query(wh, """
        select count(*) from closed.figures f
        full outer join (select * from marts.close_figures where month = '2026-09-01') m
            using (mart, figure, figure_key, currency)
        where f.value is distinct from m.value""") == [(0,)]


def test_the_close_package(closed: tuple[Path, Path]) -> None:
    """close-2026-09.xlsx and .pdf beside the reports, as the approval left them (approved by sam).
    September of the spine (test_spine_rules.py), per currency:
      roll-forward USD: opening 0 + billings 5500.00 (INV-K4) - recognized 7902.50 (C1 1102.50 +
        C3 4500.00 + C4 2300.00) - underspend credits 1000.00 (K4) = closing -3402.50 (unbilled
        3402.50 = C1 1102.50 + C4 2300.00); CAD: 0 + 1150.00 - 420.27 - 729.73 (K2) = 0.00
      AR at Sep 30: INV-K4 5500.00 USD, INV-K2 1150.00 CAD; no payment, no memo dated by Sep 30
      journal USD: unbilled C1 1102.50 + C4 2300.00, co-op C3 1000.00 + C4 800.00, underspend
        C3 1000.00 = 6202.50 each side; CAD: underspend C2 729.73"""
    from openpyxl import load_workbook

    _landing, wh = closed
    reports = wh.parent / "reports"
    sheets = _sheets(reports / "close-2026-09.xlsx")
    assert list(sheets) == ["Summary", "Roll-forward", "AR aging", "Underspend liability", "Co-op receivable",
                            "Journal entries", "Post-close adjustments"]
    summary = sheets["Summary"]
    assert _row(summary, "Prepared by")[1].startswith("pat at ")
    assert _row(summary, "Approved by")[1].startswith("sam at ")
    assert _row(summary, "Status")[1] == "approved: final"
    assert _row(summary, "AR USD at 2026-09-30")[1:7] == (
        "untied: no QuickBooks balances landed", "USD", 5500, 0, 0, 5500)
    assert _row(summary, "AR CAD at 2026-09-30")[1:7] == (
        "untied: no QuickBooks balances landed", "CAD", 1150, 0, 0, 1150)
    frozen = query(wh, "select source_file, content_hash from closed.close_files where close_id = 1 order by 1")
    start = summary.index(_row(summary, "Landing file frozen")) + 1
    assert [r[:2] for r in summary[start:]] == frozen and len(frozen) > 10
    # roll-forward totals: opening, prior-period adjustment, billings, recognized, underspend, closing
    assert _row(sheets["Roll-forward"], "Total USD")[3:11] == (0, 0, 5500, 7902.5, 1000, -3402.5, 0, 3402.5)
    assert _row(sheets["Roll-forward"], "Total CAD")[3:9] == (0, 0, 1150, 420.27, 729.73, 0)
    ar = sheets["AR aging"]
    assert _row(ar, "INV-K4")[-2:] == ("USD", 5500) and _row(ar, "INV-K2")[-2:] == ("CAD", 1150)
    assert _row(ar, "Gamma Toyota")[1:7] == ("C3", "USD", 5500, 0, 0, 5500)
    assert _row(sheets["Underspend liability"], "K4")[4:6] == (1000, 1000)
    assert _row(sheets["Underspend liability"], "K2")[4:6] == (729.73, 729.73)
    assert _row(sheets["Co-op receivable"], "Total USD")[4] == 1800  # HCOOP C4 800.00 + TCOOP C3 1000.00
    # the journal sheet holds the journal CSV's lines, and its totals per journal balance
    with (reports / "close-2026-09-journal.csv").open(encoding="utf-8", newline="") as fh:
        import csv

        lines = [tuple(r) for r in csv.reader(fh)][1:]
    journal = sheets["Journal entries"]
    body = [r for r in journal[4:] if r[0] and r[0].startswith("CLOSE-")]
    assert [tuple("" if v is None else f"{v:.2f}" if isinstance(v, float | int) else v for v in r[:8])
            for r in body] == lines
    assert _row(journal, "Total CLOSE-2026-09-USD")[3:5] == (6202.5, 6202.5)
    assert _row(journal, "Total CLOSE-2026-09-CAD")[3:5] == (729.73, 729.73)
    assert sheets["Post-close adjustments"][4][0] == "(none)"
    # money is a number with two decimals; the header row stays in view
    book = load_workbook(reports / "close-2026-09.xlsx")
    cell = book["Roll-forward"]["F5"]
    assert isinstance(cell.value, int | float) and cell.number_format == "#,##0.00"
    assert all(book[name].freeze_panes == "A5" for name in book.sheetnames)
    assert book["Journal entries"].column_dimensions["F"].width > 40
    text = _pdf_text(reports / "close-2026-09.pdf")
    for line in ("Month-end close 2026-09", "Approved: the close is final", "Prepared by pat at",
                 "approved by sam at", "AR USD 5,500.00: untied: no QuickBooks balances landed",
                 "CLOSE-2026-09-USD: debits 6,202.50, credits 6,202.50 USD (balanced)",
                 "CLOSE-2026-09-CAD: debits 729.73, credits 729.73 CAD (balanced)"):
        assert line in text, line


def test_ar_aging_as_of_the_month_end(closed: tuple[Path, Path]) -> None:
    _landing, wh = closed
    rows = query(wh, """select invoice_id, open_amount, days_past_due, aging_bucket from marts.ar_aging_month_end
                        where month = '2026-09-01' order by invoice_id""")
    # INV-K2 1150.00 CAD and INV-K4 5500.00, both due Oct 1: -1 day past due at Sep 30 -> current
    assert rows == [("INV-K2", D("1150.00"), -1, "current"), ("INV-K4", D("5500.00"), -1, "current")]
    # no month of T (October is not over) and nothing before the first invoice month
    assert query(wh, "select min(month), max(month) from marts.ar_aging_month_end") == [
        (date(2026, 9, 1), date(2026, 9, 1))]


def test_a_run_after_the_close_reports_the_restatement_and_keeps_the_close(closed: tuple[Path, Path]) -> None:
    from orchestration.run.runner import run_pipeline
    from orchestration.run.summary import run_summary

    landing, wh = closed
    # two underspend memos for K4 September landed after the close: M4 dated Sep 30 (a late export of
    # September: restates the closed month, liability 1000.00 -> 900.00) and M5 dated Oct 10 (October's:
    # never changes the closed month, SPEC 6 close by accounting period)
    (landing / LATE_MEMO).write_text(
        "credit_memo_id,client_id,contract_id,service_month,memo_date,amount,reason,applied_invoice_id\n"
        "M4,C3,K4,2026-09-01,2026-09-30,100.00,underspend,\n"
        "M5,C3,K4,2026-09-01,2026-10-10,50.00,underspend,\n", encoding="utf-8")
    # and QuickBooks' balances, pulled the night after September ended (before any October document),
    # in the QuickBooks connector's landing layout: the next close's AR control compares them
    (landing / QBO_BALANCES).write_text(
        "doc_type,doc_id,client_id,currency,balance,pulled_at,display_name\n"
        "customer,58,C3,USD,5400.00,2026-10-01T02:00:00Z,Gamma Toyota\n"
        "customer,59,C2,CAD,1100.00,2026-10-01T02:00:00Z,Beta Honda Toronto\n", encoding="utf-8")
    outcome = run_pipeline(landing, wh, AS_OF)
    assert outcome.success, outcome.failures
    rows = query(wh, """select month, mart, figure, figure_key, closed_value, current_value, difference, cause_files
                        from marts.post_close_adjustments""")
    assert [(str(r[0]), *r[1:]) for r in rows] == [
        ("2026-09-01", "underspend_credits", "outstanding_liability", "contract K4", D("1000.00"), D("900.00"),
         D("-100.00"), LATE_MEMO)]
    # the close itself is untouched; the marts as of T count both memos
    assert query(wh, "select value from closed.figures where figure = 'outstanding_liability'"
                     " and figure_key = 'contract K4'") == [(D("1000.00"),)]
    # as of T: credit due 909.09 - M1 600.00 - M4 100.00 - M5 50.00
    assert query(wh, "select outstanding_liability from marts.underspend_credits"
                     " where contract_id = 'K4' and month = '2026-09-01'") == [(D("159.09"),)]
    # October opens at September's frozen closing; nothing in the roll-forward was restated
    frozen = query(wh, """select sum(case figure when 'closing_deferred' then value else -value end)
                          from closed.figures where close_id = 1 and mart = 'deferred_revenue_rollforward'
                          and client_id = 'C3'""")[0][0]
    assert query(wh, "select opening, prior_period_adjustment from marts.deferred_revenue_rollforward"
                     " where client_id = 'C3' and month = '2026-10-01'") == [(frozen, D("0.00"))]
    assert ("Post-close adjustments: 1 figure(s) of closed month 2026-09 changed since its close"
            " (marts.post_close_adjustments)") in run_summary(wh)


def test_reopen_is_recorded_and_a_new_close_freezes_the_corrected_figures(closed: tuple[Path, Path]) -> None:
    _landing, wh = closed
    no_reason = revwh("reopen", "--month", "2026-09", "--reason", " ", "--warehouse", str(wh))
    assert (no_reason.returncode, no_reason.stderr.strip()) == (
        2, "revwh: give the reason for reopening: --reason TEXT (it is recorded in closed.close_log)")
    reopened = revwh("reopen", "--month", "2026-09", "--reason", "late underspend memo M4", "--warehouse", str(wh))
    assert reopened.returncode == 0, reopened.stderr
    (log,) = query_dicts(wh, "select * from closed.close_log")
    assert (log["status"], log["reopen_reason"]) == ("reopened", "late underspend memo M4")
    assert log["reopened_at"] is not None and log["reopened_by"]
    again = revwh("close", "--month", "2026-09", "--prepared-by", "pat", "--warehouse", str(wh))
    assert again.returncode == 0, again.stderr
    assert query(wh, "select close_id, status from closed.close_log order by 1") == [(1, "reopened"), (2, "closed")]
    # the new close has the restated liability as of Sep 30 (M5, dated in October, is not September's);
    # the first close's figures stay for audit
    assert query(wh, "select close_id, value from closed.figures where figure = 'outstanding_liability'"
                     " and figure_key = 'contract K4' order by 1") == [(1, D("1000.00")), (2, D("900.00"))]
    # the AR control of the new close, against QuickBooks' balances pulled 2026-10-01 02:00 UTC
    # (nothing in revwh is dated Oct 1, so they are as of Sep 30):
    #   USD: open INV-K4 5500.00 - unapplied credit M4 100.00 (Sep 30, applied to no invoice) = 5400.00
    #        = QuickBooks C3 5400.00 -> ties
    #   CAD: open INV-K2 1150.00 - 0 = 1150.00; QuickBooks C2 1100.00 -> differs by 50.00
    summary = _sheets(wh.parent / "reports" / "close-2026-09.xlsx")["Summary"]
    assert _row(summary, "AR USD at 2026-09-30")[1:7] == ("ties to QuickBooks", "USD", 5500, 0, 100, 5400)
    assert _row(summary, "AR CAD at 2026-09-30")[1:7] == (
        "differs by 50.00 (revwh 1,150.00, QuickBooks 1,100.00, pulled 2026-10-01 02:00 UTC)", "CAD", 1150, 0, 0,
        1150)
    assert _row(summary, "Status")[1] == "NOT FINAL: awaiting approval"  # close 2, not approved
    text = _pdf_text(wh.parent / "reports" / "close-2026-09.pdf")
    assert "AR USD 5,400.00: ties to QuickBooks" in text and "AR CAD 1,150.00: differs by 50.00" in text


def test_close_waits_for_no_one_while_a_run_writes(closed: tuple[Path, Path]) -> None:
    from orchestration.run.warehouse_lock import warehouse_lock

    _landing, wh = closed
    with warehouse_lock(wh):
        proc = revwh("reopen", "--month", "2026-09", "--reason", "x", "--warehouse", str(wh))
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"revwh: another run is writing {wh}") and "Traceback" not in proc.stderr


def test_closes_and_reopens_show_in_the_dagster_instance(closed: tuple[Path, Path]) -> None:
    """Finance sees closes in the UI: each is a materialization of closed/figures, runless."""
    from dagster import AssetKey, DagsterEventType, EventRecordsFilter

    from orchestration.pipeline.instance import persistent_instance

    _landing, wh = closed
    with persistent_instance() as instance:
        records = instance.get_event_records(EventRecordsFilter(
            DagsterEventType.ASSET_MATERIALIZATION, asset_key=AssetKey(["closed", "figures"])))
    mine = [r.asset_materialization for r in records
            if r.asset_materialization.metadata["warehouse"].value == str(wh)]
    # newest first: close 2 (after the reopen), the reopen of close 1, its approval, close 1
    assert [(m.metadata["action"].value, m.metadata["close_id"].value) for m in mine] == [
        ("close", 2), ("reopen", 1), ("approve", 1), ("close", 1)]
    assert mine[2].metadata["by"].value == "sam" and mine[3].metadata["by"].value == "pat"
    assert mine[1].metadata["reason"].value == "late underspend memo M4"
    assert all(m.metadata["month"].value == "2026-09" for m in mine)


def test_the_close_writes_balanced_journal_entries(fresh: Path) -> None:
    """close-YYYY-MM-journal.csv beside the reports, QuickBooks Online's journal import layout: every
    journal (one per currency) balances, the accounts are settings, and the first close's unbilled
    movement is the frozen closing (no month before it)."""
    import csv

    proc = subprocess.run([REVWH, "close", "--month", "2026-09", "--prepared-by", "pat", "--warehouse", str(fresh)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "REVWH_PROGRESS": "0",
                               "REVWH_JOURNAL_REVENUE_ACCOUNT": "4000 Media Revenue"})
    assert proc.returncode == 0, proc.stderr
    path = fresh.parent / "reports" / "close-2026-09-journal.csv"
    assert f"journal entries: {path} (" in proc.stdout
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["Journal No", "Journal Date", "Account", "Debits", "Credits", "Description", "Name",
                             "Currency"]
    totals: dict[str, list[D]] = {}
    for r in rows:
        t = totals.setdefault(r["Journal No"], [D(0), D(0)])
        t[0] += D(r["Debits"] or 0)
        t[1] += D(r["Credits"] or 0)
        assert bool(r["Debits"]) != bool(r["Credits"]) and r["Journal Date"] == "2026-09-30"
    assert set(totals) == {"CLOSE-2026-09-USD", "CLOSE-2026-09-CAD"}
    assert all(debits == credits > 0 for debits, credits in totals.values())
    assert "4000 Media Revenue" in {r["Account"] for r in rows} and "Revenue" not in {r["Account"] for r in rows}
    unbilled = {(r["Name"], r["Account"]): D(r["Debits"] or r["Credits"]) for r in rows
                if r["Description"].startswith("Unbilled revenue") and r["Debits"]}
    frozen = dict(query(fresh, "select client_name, value from closed.figures f join marts.deferred_revenue_rollforward"
                               " r using (client_id, month) where f.figure = 'closing_unbilled' and f.value > 0"))
    assert unbilled == {(name, "Unbilled Revenue"): value for name, value in frozen.items()}


def test_the_ar_control_compares_only_a_pull_as_of_the_month_end() -> None:
    """QuickBooks' balances are as of their pull: compared with AR at Sep 30 only when pulled on or
    after Sep 30 and before any document of the next period (docs/DECISIONS.md). revwh's USD AR:
    open 1000.00 - unapplied cash 200.00 - unapplied credits 50.00 = 750.00."""
    import duckdb

    from orchestration.close.package import ar_controls

    con = duckdb.connect()
    con.execute("create schema staging")
    con.execute("create table staging.stg_accounting__qbo_balances (doc_type varchar, doc_id varchar,"
                " client_id varchar, currency varchar, balance decimal(18,2), pulled_at timestamp)")
    for table, column in (("invoices", "invoice_date"), ("payments", "payment_date"),
                          ("credit_memos", "memo_date"), ("write_offs", "write_off_date")):
        con.execute(f"create table staging.stg_accounting__{table} ({column} date)")
    con.execute("insert into staging.stg_accounting__payments values ('2026-10-03')")  # October's first document
    clients = [{"currency": "USD", "open_invoices": D("1000.00"), "unapplied_cash": D("200.00"),
                "unapplied_credits": D("50.00")}]
    end = date(2026, 9, 30)

    def control(pulled_at: str, balance: str = "750.00") -> tuple:
        con.execute("delete from staging.stg_accounting__qbo_balances")
        con.execute("insert into staging.stg_accounting__qbo_balances values"
                    " ('customer', '58', 'C3', 'USD', ?, ?), ('invoice', 'INV-1', 'C3', 'USD', 999.00, ?)",
                    [balance, pulled_at, pulled_at])
        (c,) = ar_controls(con, end, clients)
        return c.ar, c.quickbooks, c.line

    # the invoice row is not a customer balance: only customers' Balance counts
    assert control("2026-10-02 03:00:00") == (D("750.00"), D("750.00"), "ties to QuickBooks")
    assert control("2026-09-30 23:00:00", "700.00") == (
        D("750.00"), D("700.00"), "differs by 50.00 (revwh 750.00, QuickBooks 700.00, pulled 2026-09-30 23:00 UTC)")
    assert control("2026-10-03 01:00:00")[1:] == (None, (
        "untied: QuickBooks balances pulled 2026-10-03 01:00 UTC include the next period (a document dated"
        " 2026-10-03); compare with a pull made before the next period's first document"))
    assert control("2026-09-29 23:00:00")[2] == (
        "untied: QuickBooks balances were pulled 2026-09-29 23:00 UTC, before the month's end 2026-09-30")
    con.execute("delete from staging.stg_accounting__qbo_balances")
    assert ar_controls(con, end, clients)[0].line == "untied: no QuickBooks balances landed"
