"""`revwh invoice-run` on the spine warehouse (tests/test_spine_rules.py, T = 2026-10-15: the draft
month is 2026-11): the QuickBooks import file read back column by column, a PDF read back with
pypdf, the review list; the same run twice writes the same bytes; `--approve` freezes the draft, and
the one pipeline run of this module (a budget change for November and an OEM compliance failure
after the approval) leaves the approved draft as it was while the current draft moves, and shows the
failure as a WARN check in Dagster. Every command is a materialization of the `invoice_run` asset in
the Dagster instance (what finance sees in the UI). The rules themselves are dbt unit tests
(models/marts/invoicing/_invoicing__models.yml, models/intermediate/_models.yml)."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REVWH

MONTH = "2026-11"
# Nov 2026 by hand (30 days, full month, no change): C1 K1 SEARCH 6200.00, fee tier >= 5000 10% less C1's 10%
# discount = 6200 x 0.10 x 0.9 = 558.00, K3 SEO flat 900.00: 7658.00. C3 K4 5000.00 + 10% 500.00 = 5500.00. C4 K7
# SEARCH 3100 + 15% 465.00, K8 SOCIAL 3100 + 12% 372.00 = 7037.00; C5 the same two = 7037.00. K2 (C2) ended Oct 20.
EXPECTED_TOTALS = {"R-2026-11-C1-USD": "7658.00", "R-2026-11-C3-USD": "5500.00", "R-2026-11-C4-USD": "7037.00",
                   "R-2026-11-C5-USD": "7037.00"}


def _invoice_run(warehouse: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "REVWH_AGENCY_NAME": "Northwind Auto Media", "REVWH_REMIT_TO": "PO Box 12|Toronto ON"}
    return subprocess.run([REVWH, "invoice-run", "--month", MONTH, "--warehouse", str(warehouse), "--out", str(out),
                           *extra], capture_output=True, text=True, timeout=300, env=env)


def _recorded(warehouse: Path) -> list:
    """The `invoice_run` materializations of this warehouse in the session's Dagster instance, oldest first."""
    from dagster import AssetKey

    from orchestration.pipeline.instance import persistent_instance

    with persistent_instance() as instance:
        records = instance.fetch_materializations(AssetKey("invoice_run"), limit=1000, ascending=True).records
    return [r.asset_materialization for r in records
            if r.asset_materialization.metadata["warehouse"].value == str(warehouse.resolve())]


def _meta(event: object, *keys: str) -> tuple:
    return tuple(event.metadata[k].value if k in event.metadata else None for k in keys)


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def spine_copy(spine_cli_run: tuple, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    landing, warehouse, proc = spine_cli_run
    assert proc.returncode == 0, proc.stderr
    base = tmp_path_factory.mktemp("invoice_run")
    shutil.copytree(landing, base / "landing")
    shutil.copy2(warehouse, base / "revwh.duckdb")
    return base / "landing", base / "revwh.duckdb"


def test_draft_files_read_back_and_the_same_run_gives_the_same_bytes(spine_copy: tuple, tmp_path: Path) -> None:
    _landing, warehouse = spine_copy
    first, second = tmp_path / "first", tmp_path / "second"
    seen = len(_recorded(warehouse))
    done = _invoice_run(warehouse, first)
    assert done.returncode == 0, done.stderr
    assert "2026-11 draft" in done.stdout

    with (first / "invoice-run-2026-11.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # QuickBooks Online's own import headers (its sample file's; an asterisk marks a required column)
    assert list(rows[0]) == ["*InvoiceNo", "*Customer", "*InvoiceDate", "*DueDate", "Terms", "Location", "Memo",
                             "Item(Product/Service)", "ItemDescription", "ItemQuantity", "ItemRate", "*ItemAmount",
                             "Service Date", "Currency"]
    sums: dict[str, Decimal] = {}
    for r in rows:  # money summed exactly, as the warehouse does
        sums[r["*InvoiceNo"]] = sums.get(r["*InvoiceNo"], Decimal("0.00")) + Decimal(r["*ItemAmount"])
    totals = {invoice: f"{amount:.2f}" for invoice, amount in sums.items()}
    assert totals == EXPECTED_TOTALS
    k1 = [r for r in rows if "K1" in r["ItemDescription"]]
    assert [(r["ItemDescription"], r["ItemRate"], r["*ItemAmount"], r["ItemQuantity"]) for r in k1] == [
        ("Contract K1 (SEARCH) media, service month 2026-11", "6200.00", "6200.00", "1"),
        ("Contract K1 (SEARCH) management fee, service month 2026-11", "558.00", "558.00", "1")]
    c1 = [r for r in rows if r["*InvoiceNo"] == "R-2026-11-C1-USD"]
    assert {(r["*Customer"], r["*InvoiceDate"], r["*DueDate"], r["Terms"], r["Location"], r["Memo"],
             r["Service Date"], r["Currency"])
            for r in c1} == {("Alpha Toyota", "2026-11-01", "2026-12-01", "Net 30", "", "", "2026-11-01", "")}
    assert {r["Item(Product/Service)"] for r in c1} == {"Paid search media", "Paid search management fee",
                                                       "SEO flat fee"}

    from pypdf import PdfReader

    text = PdfReader(first / "invoice-run-2026-11" / "C1.pdf").pages[0].extract_text()
    for expected in ("DRAFT invoice R-2026-11-C1-USD", "Northwind Auto Media", "PO Box 12", "Alpha Toyota",
                     "Total (USD)", "7,658.00", "2026-12-01", "Net 30"):
        assert expected in text, expected
    assert sorted(p.name for p in (first / "invoice-run-2026-11").iterdir()) == ["C1.pdf", "C3.pdf", "C4.pdf",
                                                                                 "C5.pdf"]

    review = list(csv.DictReader(io.StringIO((first / "invoice-review-2026-11.csv").read_text(encoding="utf-8"))))
    assert {(r["client_id"], r["reason"], r["contract_id"]) for r in review} == {
        ("C1", "new_contract", "K1"), ("C1", "new_contract", "K3"), ("C4", "renewal", "K7"),
        ("C4", "new_contract", "K8"), ("C5", "new_contract", "K5"), ("C5", "new_contract", "K6")}
    renewal = next(r for r in review if r["reason"] == "renewal")
    assert renewal["detail"] == "K7 (SEARCH) replaces K9 (ended 2026-09-30): monthly 2000.00 -> 3100.00"

    again = _invoice_run(warehouse, second)
    assert again.returncode == 0, again.stderr
    assert _digest(first) == _digest(second)

    # each run is in the Dagster instance the UI shows, without a pipeline run: 7658 + 5500 + 7037 + 7037
    # = 27232.00 USD over the four invoices, the six review rows of four clients
    drafts = _recorded(warehouse)[seen:]
    keys = ("month", "action", "status", "invoices", "lines", "totals", "review_reasons", "clients_to_review",
            "approved_by")
    assert [_meta(e, *keys) for e in drafts] == [
        ("2026-11", "draft", "draft", 4, 13, {"USD": "27232.00"}, 6, 3, None)] * 2


def test_approved_draft_is_frozen_across_a_run(spine_copy: tuple, tmp_path: Path) -> None:
    landing, warehouse = spine_copy
    seen = len(_recorded(warehouse))
    approved = _invoice_run(warehouse, tmp_path / "approved", "--approve", "--approved-by", "Dana")
    assert approved.returncode == 0, approved.stderr
    assert "approved by Dana, exported" in approved.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select status, approved_by, lines from closed.invoice_runs").fetchall() == [
            ("exported", "Dana", 13)]
        before = con.execute("select * from marts.invoice_run_lines order by all").fetchall()
    assert {r[-1] for r in before} == {"exported"}
    again = _invoice_run(warehouse, tmp_path / "again", "--approve")
    assert again.returncode == 2 and "already approved (by Dana" in again.stderr

    # K4 (C3) rises to 6000.00 from November: the nightly run recomputes the current draft, not the approved one.
    # K8 (C4, SOCIAL) joins Honda's HCOOP, which covers SEARCH only: an OEM compliance failure
    (landing / "contracting" / "budget_schedule_2026-11.csv").write_text(
        "contract_id,effective_date,monthly_amount\nK4,2026-11-01,6000.00\n", encoding="utf-8")
    contracts = landing / "contracting" / "contracts.csv"
    contracts.write_text(contracts.read_text(encoding="utf-8").replace("K8,C4,SOCIAL,,", "K8,C4,SOCIAL,HCOOP,"),
                         encoding="utf-8")
    run = subprocess.run([REVWH, "run", "--landing", str(landing), "--warehouse", str(warehouse),
                          "--as-of", "2026-10-15"], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    from dagster import DagsterEventType, RunsFilter

    from orchestration.pipeline.instance import WAREHOUSE_TAG, persistent_instance

    with persistent_instance() as instance:  # the failure is a WARN check of the run, which it does not block
        (latest,) = instance.get_runs(RunsFilter(tags={WAREHOUSE_TAG: str(warehouse.resolve())}), limit=1)
        checks = [e.dagster_event.event_specific_data for e in instance.all_logs(
            latest.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)]
    compliance = [(c.asset_key.to_user_string(), c.passed, c.severity.value) for c in checks
                  if c.check_name.startswith("no_rows_contract_compliance")]
    assert compliance == [("marts/contract_compliance", False, "WARN")]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select * from marts.invoice_run_lines order by all").fetchall() == before
        assert con.execute("select amount from intermediate.int_invoice_run_lines where contract_id = 'K4'"
                           " order by line_type").fetchall() == [(Decimal("600.00"),), (Decimal("6000.00"),)]
        assert con.execute("select count(*) from closed.invoice_run_lines").fetchone() == (13,)
        assert con.execute("select count(*), min(confirmation) from marts.invoice_run_confirmation").fetchone() == (
            4, "not_invoiced")

    rerun = _invoice_run(warehouse, tmp_path / "rerun")
    assert rerun.returncode == 0, rerun.stderr
    review = "invoice-review-2026-11.csv"
    frozen = {k: v for k, v in _digest(tmp_path / "approved").items() if k != review}
    assert frozen == {k: v for k, v in _digest(tmp_path / "rerun").items() if k != review}
    assert len(frozen) == 5  # the import file and the four PDFs, byte for byte
    # the review list is of the current data: it now shows the change the approved draft does not bill
    rows = list(csv.DictReader(io.StringIO((tmp_path / "rerun" / review).read_text(encoding="utf-8"))))
    assert [(r["client_id"], r["detail"]) for r in rows if r["reason"] == "upsell"] == [
        ("C3", "SEARCH monthly 5000.00 -> 6000.00")]
    assert [(r["client_id"], r["contract_id"], r["detail"]) for r in rows if r["reason"] == "oem_compliance"] == [
        ("C4", "K8", "K8 in HCOOP: ineligible_product (product SOCIAL not among the eligible SEARCH)")]

    # the approval and the later export are in the Dagster instance: who approved, the frozen totals
    approval, export = _recorded(warehouse)[seen:]
    keys = ("month", "action", "status", "invoices", "totals", "approved_by", "by")
    assert _meta(approval, *keys) == ("2026-11", "approve", "exported", 4, {"USD": "27232.00"}, "Dana", "Dana")
    assert _meta(export, *keys)[:6] == ("2026-11", "export", "exported", 4, {"USD": "27232.00"}, "Dana")



def test_nightly_run_keeps_the_draft_of_the_month_after_t_in_the_ui(spine_cli_run: tuple,
                                                                   spine_dagster_home: Path) -> None:
    """The shared `revwh run` (T = 2026-10-15) drafts November: the invoicing marts are materialized by
    that run in its Dagster instance (the UI shows what will be billed), as a draft."""
    from dagster import AssetKey, DagsterEventType, DagsterInstance

    _landing, warehouse, proc = spine_cli_run
    assert proc.returncode == 0, proc.stderr
    instance = DagsterInstance.from_config(str(spine_dagster_home))
    # the shared run is the home's first (other modules record their own runs there later)
    run = instance.get_runs()[-1]
    materialized = {e.dagster_event.asset_key for e in instance.all_logs(
        run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION) if e.dagster_event is not None}
    for mart in ("invoice_run_lines", "invoice_run_review", "contract_compliance"):
        assert AssetKey(["marts", mart]) in materialized, mart
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select distinct invoice_month, status from marts.invoice_run_lines").fetchall() == [
            (date(2026, 11, 1), "draft")]


def test_import_rows_name_the_currency_of_a_foreign_client_only() -> None:
    """QuickBooks takes a foreign customer's currency from the Currency column; a USD (home) client's is empty.
    Amounts are plain decimals: CAD 2500 -> 2500.00, fee 375.5 -> 375.50."""
    from orchestration.billing.invoice_run import qbo_rows

    base = {"invoice_date": date(2026, 11, 1), "due_date": date(2026, 12, 1), "terms_days": 30,
            "service_month": date(2026, 11, 1), "product_code": "SEARCH", "item_name": "Paid search media"}
    cad = {**base, "invoice_no": "R-2026-11-E-CAD", "client_id": "E", "client_name": "Echo Honda Toronto",
           "contract_id": "CA", "line_type": "media", "amount": Decimal("2500"), "currency": "CAD"}
    usd = {**base, "invoice_no": "R-2026-11-A-USD", "client_id": "A", "client_name": "Alpha Toyota",
           "contract_id": "MS", "line_type": "management_fee", "amount": Decimal("375.5"), "currency": "USD"}
    cad_row, usd_row = qbo_rows([cad, usd])
    assert "CAD" in cad_row and "2500.00" in cad_row and "Echo Honda Toronto" in cad_row
    assert "USD" not in usd_row and "" in usd_row and "375.50" in usd_row
    assert "Contract MS (SEARCH) management fee, service month 2026-11" in usd_row
