"""The close's underspend credit run, liability aging, co-op claims and enrolment gaps (CSV).

One warehouse is built through the real nightly job from a copy of test_finance_marts' landing
(T = 2026-10-15; Aug and Sep closed; CAD 0.74 from Sep 1) with these rows added:

  oem_programs  TCOOP Toyota 50% cap 1500.00 SEARCH; HCOOP Honda 40% cap 1000.00 SEARCH;
                FCOOP Ford 30% cap 500.00 SEARCH|SEO; KCOOP Kia 50% cap 500.00 SEARCH
  contracts     A1 (F1 Alpha Toyota) enrolled in TCOOP, E1 (F2 Beta Honda, CAD) in HCOOP;
                B1 (F3 Gamma Ford, SEARCH) left without a program: an enrolment gap (FCOOP);
                B2 (F3, SEARCH) starts Oct 20, after T: not active through T, no gap;
                F4 Delta Kia buys SEO only, which KCOOP does not list: no gap
  invoices      I-B8 (F3, Aug 1): B1 Aug media 3100.00 + fee 310.00, so B1 Aug was billed;
                I-E9 (F2, Sep 1, CAD): E1 Sep media 2000.00

Underspend still owed at T (outstanding_liability > 0):
  B1 Aug  billable 3100.00, no spend -> underspend 3100.00; billed media 3100.00 -> credit due
          min(3100, 3100 - 0) = 3100.00; memo M-B8 1000.00 (Oct 8) -> outstanding 2100.00 USD;
          owed since Aug 31: Oct 15 - Aug 31 = 45 days -> 31-60
  B1 Sep  (cancelled Sep 15) billable 1550.00, billed 3100.00 -> 1550.00 USD; 15 days -> 0-30
  E1 Sep  billable 2000.00 CAD, spend 1500.00 -> underspend 500.00; billed media 2000.00 ->
          min(500, 2000 - 1500) = 500.00 CAD; 15 days -> 0-30
  A1 Aug  credit due 3000.00, memo M-A8 3000.00 -> 0: not owed; A1 Sep: credit due 0 (billed 3000
          below delivered 4000)
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from orchestration.reports.credit_coop import (
    AGING_COLUMNS,
    CLAIM_COLUMNS,
    CREDIT_RUN_COLUMNS,
    GAP_COLUMNS,
    coop_claims_name,
    credit_run_name,
    enrolment_gaps_name,
    liability_aging_name,
    money_text,
)
from orchestration.reports.workbook import workbook_name, write_reports
from tests.landing_builder import query_dicts, write_landing
from tests.test_finance_marts import AS_OF, LANDING

T = date.fromisoformat(AS_OF)
MONEY = re.compile(r"^-?\d+\.\d{2}$")


def _contract(row: dict) -> dict:
    program = {"A1": "TCOOP", "E1": "HCOOP"}.get(row["contract_id"])
    return {**row, "program_code": program} if program else row


COOP_LANDING = {
    **LANDING,
    "oem_programs": [
        {"program_code": "TCOOP", "oem": "Toyota", "coop_share_pct": "0.50", "monthly_cap": "1500.00",
         "eligible_products": "SEARCH"},
        {"program_code": "HCOOP", "oem": "Honda", "coop_share_pct": "0.40", "monthly_cap": "1000.00",
         "eligible_products": "SEARCH"},
        {"program_code": "FCOOP", "oem": "Ford", "coop_share_pct": "0.30", "monthly_cap": "500.00",
         "eligible_products": "SEARCH|SEO"},
        {"program_code": "KCOOP", "oem": "Kia", "coop_share_pct": "0.50", "monthly_cap": "500.00",
         "eligible_products": "SEARCH"},
    ],
    "contracts": [
        *[_contract(r) for r in LANDING["contracts"]],
        {"contract_id": "B2", "client_id": "F3", "product_code": "SEARCH", "start_date": "2026-10-20"},
    ],
    "budget_schedule": [
        *LANDING["budget_schedule"],
        {"contract_id": "B2", "effective_date": "2026-10-20", "monthly_amount": "1000.00"},
    ],
    "invoices": [
        *LANDING["invoices"],
        {"invoice_id": "I-B8", "client_id": "F3", "invoice_date": "2026-08-01", "due_date": "2026-08-31",
         "currency": "USD", "total_amount": "3410.00"},
        {"invoice_id": "I-E9", "client_id": "F2", "invoice_date": "2026-09-01", "due_date": "2026-10-01",
         "currency": "CAD", "total_amount": "2000.00"},
    ],
    "invoice_lines": [
        *LANDING["invoice_lines"],
        {"invoice_id": "I-B8", "line_no": 1, "contract_id": "B1", "service_month": "2026-08-01",
         "line_type": "media", "amount": "3100.00"},
        {"invoice_id": "I-B8", "line_no": 2, "contract_id": "B1", "service_month": "2026-08-01",
         "line_type": "management_fee", "amount": "310.00"},
        {"invoice_id": "I-E9", "line_no": 1, "contract_id": "E1", "service_month": "2026-09-01",
         "line_type": "media", "amount": "2000.00"},
    ],
}


@dataclass(frozen=True)
class Built:
    warehouse: Path

    @property
    def reports(self) -> Path:
        return self.warehouse.parent / "reports"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    from orchestration.run.runner import run_pipeline

    base = tmp_path_factory.mktemp("credit_coop")
    landing = write_landing(base / "landing", COOP_LANDING)
    warehouse = base / "revwh.duckdb"
    outcome = run_pipeline(landing, warehouse, AS_OF)
    assert outcome.success, "pipeline failed:\n" + "\n".join(outcome.failures)
    return Built(warehouse)


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


# --- files ------------------------------------------------------------------------------------

def test_the_nightly_run_wrote_the_csvs_beside_the_workbook(built: Built) -> None:
    names = sorted(p.name for p in built.reports.iterdir())
    assert names == sorted([workbook_name(T), credit_run_name(T), liability_aging_name(T), coop_claims_name(T),
                            enrolment_gaps_name(T), f"weekly-flash-{T}.xlsx", f"weekly-flash-{T}.html",
                            f"pacing-{T}.png", f"statements-{T}"])  # and no .partial file is left behind
    assert credit_run_name(T) == "underspend-credit-run-2026-10-15.csv"
    assert coop_claims_name(T) == "coop-claims-2026-10-15.csv"
    assert enrolment_gaps_name(T) == "coop-enrolment-gaps-2026-10-15.csv"


def test_write_reports_returns_every_file(built: Built, tmp_path: Path) -> None:
    paths = write_reports(built.warehouse, tmp_path / "out")
    assert [p.name for p in paths[:5]] == [workbook_name(T), credit_run_name(T), liability_aging_name(T),
                                           coop_claims_name(T), enrolment_gaps_name(T)]
    # then the weekly flash and pacing chart, and the client statements (tests/test_reports.py)
    assert [p.name for p in paths[5:8]] == [f"weekly-flash-{T}.xlsx", f"weekly-flash-{T}.html", f"pacing-{T}.png"]
    assert paths[8:] and all(p.suffix == ".pdf" and p.parent.name == f"statements-{T}" for p in paths[8:])
    assert all(p.is_file() for p in paths)
    # the same warehouse writes the same CSVs byte for byte
    for p in paths[1:5]:
        assert p.read_bytes() == (built.reports / p.name).read_bytes(), p.name


def test_money_text_is_plain_two_place_decimal() -> None:
    assert money_text(D("1550")) == "1550.00"
    assert money_text(D("1.5E+3")) == "1500.00"
    assert money_text(D("-0.005")) == "-0.01"  # half away from zero, never "-0.00"
    assert money_text(None) == ""


# --- the underspend credit run ----------------------------------------------------------------

def test_credit_run_csv(built: Built) -> None:
    header, rows = read_csv(built.reports / credit_run_name(T))
    # the review file in the layout of QuickBooks Online's invoice import (its sample file's names,
    # Invoice replaced by CreditMemo): revwh post --credits creates the memos through the API
    assert header == list(CREDIT_RUN_COLUMNS) == [
        "CreditMemoNo", "Customer", "CreditMemoDate", "Item(Product/Service)", "ItemDescription", "ItemQuantity",
        "ItemRate", "ItemAmount", "Service Date", "Currency"]
    # ordered by client name, then month: Beta Honda (E1 Sep), Gamma Ford (B1 Aug, B1 Sep)
    memo = {"CreditMemoDate": "2026-10-15", "Item(Product/Service)": "Underspend credit", "ItemQuantity": "1"}
    assert rows == [
        {"CreditMemoNo": "UC-E1-2026-09", "Customer": "Beta Honda", **memo,
         "ItemDescription": "Underspend credit: contract E1, 2026-09, Paid search", "ItemRate": "500.00",
         "ItemAmount": "500.00", "Service Date": "2026-09-01", "Currency": "CAD"},
        {"CreditMemoNo": "UC-B1-2026-08", "Customer": "Gamma Ford", **memo,
         "ItemDescription": "Underspend credit: contract B1, 2026-08, Paid search", "ItemRate": "2100.00",
         "ItemAmount": "2100.00", "Service Date": "2026-08-01", "Currency": "USD"},
        {"CreditMemoNo": "UC-B1-2026-09", "Customer": "Gamma Ford", **memo,
         "ItemDescription": "Underspend credit: contract B1, 2026-09, Paid search", "ItemRate": "1550.00",
         "ItemAmount": "1550.00", "Service Date": "2026-09-01", "Currency": "USD"},
    ]
    for r in rows:
        assert MONEY.match(r["ItemAmount"]) and D(r["ItemAmount"]) > 0, r
    # exactly the mart's positive outstanding liabilities, to the cent
    mart = {(r["contract_id"], r["month"].strftime("%Y-%m")): (r["outstanding_liability"], r["currency"])
            for r in query_dicts(built.warehouse, "select * from marts.underspend_credits"
                                                  " where outstanding_liability > 0")}
    csv_rows = {(r["CreditMemoNo"][3:5], r["CreditMemoNo"][6:]): (D(r["ItemAmount"]), r["Currency"]) for r in rows}
    assert csv_rows == mart
    # A1 Aug (3000 due - 3000 issued = 0) and B1's over-credit are not issued; every memo number is unique
    assert len({r["CreditMemoNo"] for r in rows}) == len(rows)


def test_underspend_liability_aging(built: Built) -> None:
    rows = {(r["contract_id"], r["month"].isoformat()): r
            for r in query_dicts(built.warehouse, "select * from marts.underspend_liability_aging")}
    assert sorted(rows) == [("B1", "2026-08-01"), ("B1", "2026-09-01"), ("E1", "2026-09-01")]
    b8 = rows[("B1", "2026-08-01")]
    # owed since Aug 31: Oct 15 - Aug 31 = 15 (Oct) + 30 (Sep) = 45 days -> 31-60
    assert (b8["client_name"], b8["outstanding_liability"], b8["currency"], b8["month_end"], b8["days_owed"],
            b8["aging_bucket"]) == ("Gamma Ford", D("2100.00"), "USD", date(2026, 8, 31), 45, "31-60")
    # Sep 30 -> Oct 15: 15 days -> 0-30
    assert (rows[("B1", "2026-09-01")]["days_owed"], rows[("B1", "2026-09-01")]["aging_bucket"]) == (15, "0-30")
    e1 = rows[("E1", "2026-09-01")]
    assert (e1["outstanding_liability"], e1["currency"], e1["aging_bucket"]) == (D("500.00"), "CAD", "0-30")
    header, csv_rows = read_csv(built.reports / liability_aging_name(T))
    assert header == list(AGING_COLUMNS)
    assert [(r["Contract"], r["Month"], r["Outstanding liability"], r["Days owed"], r["Aging bucket"])
            for r in csv_rows] == [("E1", "2026-09", "500.00", "15", "0-30"),
                                   ("B1", "2026-08", "2100.00", "45", "31-60"),
                                   ("B1", "2026-09", "1550.00", "15", "0-30")]


# --- co-op ------------------------------------------------------------------------------------

def test_coop_claims_equal_coop_reimbursement(built: Built) -> None:
    header, rows = read_csv(built.reports / coop_claims_name(T))
    assert header == list(CLAIM_COLUMNS)
    claims = {(r["Program code"], r["Client ID"], r["Month"]): r for r in rows}
    mart = {(r["program_code"], r["client_id"], r["month"].strftime("%Y-%m")): r
            for r in query_dicts(built.warehouse, "select * from marts.coop_reimbursement")}
    assert sorted(claims) == sorted(mart) == [("HCOOP", "F2", "2026-09"), ("TCOOP", "F1", "2026-08"),
                                              ("TCOOP", "F1", "2026-09")]
    for key, r in claims.items():
        m = mart[key]
        assert (D(r["Reimbursement"]), D(r["Eligible delivered media"]), r["Currency"], r["Customer"]) == (
            m["reimbursement"], m["eligible_delivered_media"], m["currency"], m["client_name"]), key
        for col in ("Reimbursement", "Eligible delivered media", "Reimbursement USD"):
            assert MONEY.match(r[col]), (key, col, r[col])
    # TCOOP Sep: A1 delivered min(4000 spend, 4500 billable) = 4000.00 x 50% = 2000.00 -> cap 1500.00 USD
    t9 = claims[("TCOOP", "F1", "2026-09")]
    assert (t9["OEM"], t9["Customer"], t9["Eligible delivered media"], t9["Reimbursement"],
            t9["Reimbursement USD"]) == ("Toyota", "Alpha Toyota", "4000.00", "1500.00", "1500.00")
    # TCOOP Aug: no spend -> 0.00
    assert claims[("TCOOP", "F1", "2026-08")]["Reimbursement"] == "0.00"
    # HCOOP Sep: E1 delivered 1500.00 CAD x 40% = 600.00 CAD (cap 1000.00); at Sep 30's rate, 0.74
    # (the Sep 1 rate, the latest on or before Sep 30): 600.00 x 0.74 = 444.00 USD
    h9 = claims[("HCOOP", "F2", "2026-09")]
    assert (h9["OEM"], h9["Customer"], h9["Eligible delivered media"], h9["Reimbursement"], h9["Currency"],
            h9["Reimbursement USD"], h9["USD rate day"]) == (
        "Honda", "Beta Honda", "1500.00", "600.00", "CAD", "444.00", "2026-09-30")
    usd = query_dicts(built.warehouse, "select reimbursement_usd from marts.coop_claims"
                                       " where program_code = 'HCOOP' and month = '2026-09-01'")
    assert usd == [{"reimbursement_usd": D("444.00")}]


def test_coop_enrolment_gaps(built: Built) -> None:
    gaps = query_dicts(built.warehouse, "select * from marts.coop_enrolment_gaps")
    # B1: Gamma Ford (Ford runs FCOOP, SEARCH eligible), no program_code, active Aug 1 - Sep 15.
    # Not gaps: A1 and E1 (enrolled), B2 (starts Oct 20, after T), Delta Kia's SEO (KCOOP lists SEARCH
    # only), Foxtrot Mazda and Echo Nissan (their OEMs run no program).
    assert [(g["client_name"], g["oem"], g["contract_id"], g["product_code"], g["program_code"],
             g["first_active_month"], g["last_active_month"], g["active_months"]) for g in gaps] == [
        ("Gamma Ford", "Ford", "B1", "SEARCH", "FCOOP", date(2026, 8, 1), date(2026, 9, 1), 2)]
    header, rows = read_csv(built.reports / enrolment_gaps_name(T))
    assert header == list(GAP_COLUMNS)
    assert [(r["Customer"], r["Contract"], r["Program code"], r["First active month"], r["Last active month"])
            for r in rows] == [("Gamma Ford", "B1", "FCOOP", "2026-08", "2026-09")]
