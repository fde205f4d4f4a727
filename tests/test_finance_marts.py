"""Finance marts (SPEC section 2) on small cases computed by hand.

T = 2026-10-15; August and September are closed, October is open (15 of 31 days through T).
Rate card: SEARCH 10% at any budget. CAD rates: 0.75 from Aug 1, 0.74 from Sep 1, 0.72 from Oct 1.

Scenarios, one client each:
  F1 A1  SEARCH from Aug 1 at 3000, upsell to 6000 on Sep 16; billed Aug 3300, Sep 3300 (before the
         upsell), Oct 6610 header for 6600 of lines; spend Sep 4000, Oct 3 2000.
  F3 B1  SEARCH from Aug 1 at 3100, cancelled Sep 15; no Aug invoice, Sep invoice in full, an Oct
         invoice sent after the cancellation; underspend memo of 1000 for Aug (partial).
  F2 E1  CAD SEARCH from Sep 1 at 2000 CAD, CAD ad account, spend 1500 CAD in Sep.
  F4 D1/D2 SEO 900 flat: Jul-Aug, churns in Sep, comes back Oct 1 (reactivation).
  F6 G1/G2 SEO 500 flat: Jan-Feb 2026, nothing in Mar, back Apr-May: no contract anywhere is active
         in Mar or Jun 2026, so the movements must not skip those months.
  F5     receivables only: short pay, partial credit memo, write-offs, one invoice per aging bucket,
         an overpayment and unapplied cash.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from orchestration.run.dbt_manifest import dbt_executable
from orchestration.settings import DBT_PROJECT_DIR
from tests.conftest import finance_duckdb_run
from tests.landing_builder import query, query_dicts

AS_OF = "2026-10-15"


def _inv(inv: str, client: str, day: str, due: str, total: str, cur: str = "USD") -> dict:
    return {"invoice_id": inv, "client_id": client, "invoice_date": day, "due_date": due, "currency": cur,
            "total_amount": total}


LANDING = {
    "clients": [
        {"client_id": "F1", "client_name": "Alpha Toyota", "oem": "Toyota", "country": "US", "currency": "USD"},
        {"client_id": "F2", "client_name": "Beta Honda", "oem": "Honda", "country": "CA", "currency": "CAD"},
        {"client_id": "F3", "client_name": "Gamma Ford", "oem": "Ford", "country": "US", "currency": "USD"},
        {"client_id": "F4", "client_name": "Delta Kia", "oem": "Kia", "country": "US", "currency": "USD"},
        {"client_id": "F5", "client_name": "Echo Nissan", "oem": "Nissan", "country": "US", "currency": "USD"},
        {"client_id": "F6", "client_name": "Foxtrot Mazda", "oem": "Mazda", "country": "US", "currency": "USD"},
    ],
    "products": [
        {"product_code": "SEARCH", "product_name": "Paid search", "product_line": "search", "pricing_model": "media"},
        {"product_code": "SEO", "product_name": "SEO", "product_line": "seo", "pricing_model": "flat"},
    ],
    "rate_card": [
        {"product_code": "SEARCH", "min_monthly_budget": "0", "fee_pct": "0.10"},
    ],
    "contracts": [
        {"contract_id": "A1", "client_id": "F1", "product_code": "SEARCH", "start_date": "2026-08-01"},
        {"contract_id": "B1", "client_id": "F3", "product_code": "SEARCH", "start_date": "2026-08-01",
         "end_date": "2026-09-15"},
        {"contract_id": "E1", "client_id": "F2", "product_code": "SEARCH", "start_date": "2026-09-01"},
        {"contract_id": "D1", "client_id": "F4", "product_code": "SEO", "start_date": "2026-07-01",
         "end_date": "2026-08-31"},
        {"contract_id": "D2", "client_id": "F4", "product_code": "SEO", "start_date": "2026-10-01"},
        {"contract_id": "G1", "client_id": "F6", "product_code": "SEO", "start_date": "2026-01-01",
         "end_date": "2026-02-28"},
        {"contract_id": "G2", "client_id": "F6", "product_code": "SEO", "start_date": "2026-04-01",
         "end_date": "2026-05-31"},
    ],
    "budget_schedule": [
        {"contract_id": "A1", "effective_date": "2026-08-01", "monthly_amount": "3000.00"},
        {"contract_id": "A1", "effective_date": "2026-09-16", "monthly_amount": "6000.00"},
        {"contract_id": "B1", "effective_date": "2026-08-01", "monthly_amount": "3100.00"},
        {"contract_id": "E1", "effective_date": "2026-09-01", "monthly_amount": "2000.00"},
        {"contract_id": "D1", "effective_date": "2026-07-01", "monthly_amount": "900.00"},
        {"contract_id": "D2", "effective_date": "2026-10-01", "monthly_amount": "900.00"},
        {"contract_id": "G1", "effective_date": "2026-01-01", "monthly_amount": "500.00"},
        {"contract_id": "G2", "effective_date": "2026-04-01", "monthly_amount": "500.00"},
    ],
    "ad_accounts": [
        {"platform": "google_ads", "account_id": "1000000001", "contract_id": "A1"},
        {"platform": "meta_ads", "account_id": "2000002", "contract_id": "E1"},
    ],
    "google_ads": [
        {"segments_date": "2026-09-10", "customer_id": "1000000001", "customer_currency_code": "USD",
         "customer_time_zone": "UTC", "campaign_id": "1", "campaign_name": "Brand",
         "metrics_cost_micros": 4_000_000_000, "metrics_impressions": 1, "metrics_clicks": 1,
         "extracted_at": "2026-10-14T02:00:00Z"},
        {"segments_date": "2026-10-03", "customer_id": "1000000001", "customer_currency_code": "USD",
         "customer_time_zone": "UTC", "campaign_id": "1", "campaign_name": "Brand",
         "metrics_cost_micros": 2_000_000_000, "metrics_impressions": 1, "metrics_clicks": 1,
         "extracted_at": "2026-10-14T02:00:00Z"},
    ],
    "meta_ads": [
        {"date_start": "2026-09-10", "account_id": "2000002", "account_currency": "CAD", "campaign_id": "7",
         "campaign_name": "Leads", "spend": "1500.00", "impressions": 1, "clicks": 1,
         "extracted_at": "2026-10-14T02:00:00Z"},
    ],
    "fx_rates": [
        {"rate_date": "2026-08-01", "currency": "CAD", "usd_per_unit": "0.750000"},
        {"rate_date": "2026-09-01", "currency": "CAD", "usd_per_unit": "0.740000"},
        {"rate_date": "2026-10-01", "currency": "CAD", "usd_per_unit": "0.720000"},
    ],
    "invoices": [
        _inv("I-A8", "F1", "2026-08-01", "2026-08-31", "3300.00"),
        _inv("I-A9", "F1", "2026-09-01", "2026-10-01", "3300.00"),
        _inv("I-A10", "F1", "2026-10-01", "2026-10-31", "6610.00"),  # header 10.00 above its lines
        _inv("I-B9", "F3", "2026-09-01", "2026-10-01", "3410.00"),
        _inv("I-B10", "F3", "2026-10-01", "2026-10-31", "3410.00"),  # after the Sep 15 cancellation
        _inv("I-D2", "F4", "2026-10-01", "2026-10-31", "900.00"),
        _inv("I-D1", "F2", "2026-10-01", "2026-10-31", "1000.00", "CAD"),
        _inv("I-C1", "F5", "2026-10-01", "2026-10-31", "1000.00"),
        _inv("I-C2", "F5", "2026-09-01", "2026-10-01", "500.00"),
        _inv("I-C3", "F5", "2026-08-01", "2026-08-31", "800.00"),
        _inv("I-C3b", "F5", "2026-07-15", "2026-08-14", "300.00"),
        _inv("I-C4", "F5", "2026-06-01", "2026-07-01", "250.00"),
        _inv("I-C5", "F5", "2026-08-16", "2026-09-15", "200.00"),
        _inv("I-C7", "F5", "2026-09-01", "2026-10-01", "100.00"),
    ],
    "invoice_lines": [
        {"invoice_id": "I-A8", "line_no": 1, "contract_id": "A1", "service_month": "2026-08-01", "line_type": "media",
         "amount": "3000.00"},
        {"invoice_id": "I-A8", "line_no": 2, "contract_id": "A1", "service_month": "2026-08-01",
         "line_type": "management_fee", "amount": "300.00"},
        {"invoice_id": "I-A9", "line_no": 1, "contract_id": "A1", "service_month": "2026-09-01", "line_type": "media",
         "amount": "3000.00"},
        {"invoice_id": "I-A9", "line_no": 2, "contract_id": "A1", "service_month": "2026-09-01",
         "line_type": "management_fee", "amount": "300.00"},
        {"invoice_id": "I-A10", "line_no": 1, "contract_id": "A1", "service_month": "2026-10-01", "line_type": "media",
         "amount": "6000.00"},
        {"invoice_id": "I-A10", "line_no": 2, "contract_id": "A1", "service_month": "2026-10-01",
         "line_type": "management_fee", "amount": "600.00"},
        {"invoice_id": "I-B9", "line_no": 1, "contract_id": "B1", "service_month": "2026-09-01", "line_type": "media",
         "amount": "3100.00"},
        {"invoice_id": "I-B9", "line_no": 2, "contract_id": "B1", "service_month": "2026-09-01",
         "line_type": "management_fee", "amount": "310.00"},
        {"invoice_id": "I-B10", "line_no": 1, "contract_id": "B1", "service_month": "2026-10-01", "line_type": "media",
         "amount": "3100.00"},
        {"invoice_id": "I-B10", "line_no": 2, "contract_id": "B1", "service_month": "2026-10-01",
         "line_type": "management_fee", "amount": "310.00"},
        {"invoice_id": "I-D2", "line_no": 1, "contract_id": "D2", "service_month": "2026-10-01",
         "line_type": "flat_fee", "amount": "900.00"},
        {"invoice_id": "I-D1", "line_no": 1, "contract_id": "E1", "service_month": "2026-10-01", "line_type": "media",
         "amount": "1000.00"},
        {"invoice_id": "I-C1", "line_no": 1, "service_month": "2026-10-01", "line_type": "adjustment",
         "amount": "1000.00"},
        {"invoice_id": "I-C2", "line_no": 1, "service_month": "2026-09-01", "line_type": "adjustment",
         "amount": "500.00"},
        {"invoice_id": "I-C3", "line_no": 1, "service_month": "2026-08-01", "line_type": "adjustment",
         "amount": "800.00"},
        {"invoice_id": "I-C3b", "line_no": 1, "service_month": "2026-07-01", "line_type": "adjustment",
         "amount": "300.00"},
        {"invoice_id": "I-C4", "line_no": 1, "service_month": "2026-06-01", "line_type": "adjustment",
         "amount": "250.00"},
        {"invoice_id": "I-C5", "line_no": 1, "service_month": "2026-08-01", "line_type": "adjustment",
         "amount": "200.00"},
        {"invoice_id": "I-C7", "line_no": 1, "service_month": "2026-09-01", "line_type": "adjustment",
         "amount": "100.00"},
    ],
    "payments": [
        {"payment_id": "P1", "client_id": "F5", "payment_date": "2026-10-10", "amount": "400.00", "method": "ach",
         "reference": "r1"},
        {"payment_id": "P3", "client_id": "F5", "payment_date": "2026-09-10", "amount": "750.00", "method": "check",
         "reference": "r3"},
        {"payment_id": "P7", "client_id": "F5", "payment_date": "2026-09-20", "amount": "150.00", "method": "card",
         "reference": "r7"},
        {"payment_id": "P8", "client_id": "F5", "payment_date": "2026-10-02", "amount": "75.00", "method": "wire",
         "reference": "r8"},
        {"payment_id": "P9", "client_id": "F5", "payment_date": "2026-10-20", "amount": "200.00", "method": "ach",
         "reference": "r9"},
    ],
    "payment_applications": [
        {"payment_id": "P1", "invoice_id": "I-C1", "amount_applied": "400.00"},
        {"payment_id": "P3", "invoice_id": "I-C3", "amount_applied": "750.00"},
        {"payment_id": "P7", "invoice_id": "I-C7", "amount_applied": "150.00"},
        {"payment_id": "P9", "invoice_id": "I-C5", "amount_applied": "200.00"},
    ],
    "credit_memos": [
        {"credit_memo_id": "M-C2", "client_id": "F5", "memo_date": "2026-10-05", "amount": "120.00",
         "reason": "dispute", "applied_invoice_id": "I-C2"},
        {"credit_memo_id": "M-A8", "client_id": "F1", "contract_id": "A1", "service_month": "2026-08-01",
         "memo_date": "2026-09-10", "amount": "3000.00", "reason": "underspend"},
        {"credit_memo_id": "M-B8", "client_id": "F3", "contract_id": "B1", "service_month": "2026-08-01",
         "memo_date": "2026-10-08", "amount": "1000.00", "reason": "underspend"},
    ],
    "write_offs": [
        {"invoice_id": "I-C3", "write_off_date": "2026-10-10", "amount": "50.00", "reason": "short pay"},
        {"invoice_id": "I-C4", "write_off_date": "2026-10-20", "amount": "100.00", "reason": "after T"},
    ],
}


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """Built once per session (conftest.finance_duckdb_run): the PostgreSQL and Spark tests
    compare their engines' marts with this same warehouse. Read-only here."""
    return finance_duckdb_run(tmp_path_factory, worker_id, "october")[1]


@pytest.fixture(scope="module")
def wh_net(wh: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same landing with net presentation and invoice-date aging. Only the models those two
    settings reach are rebuilt, with dbt itself, on a copy of `wh` (a second whole pipeline run
    cost about 50 s here); how a run hands settings to dbt is tested by the net run of
    test_reports.py and by warehouse_settings."""
    warehouse = tmp_path_factory.mktemp("finance_net") / "revwh.duckdb"
    shutil.copyfile(wh, warehouse)
    reached = [f"{model}+" for model in ("int_contract_positions", "revenue_recognition", "ar_aging",
                                         "ar_aging_summary", "warehouse_settings")]
    settings = {"revenue_presentation": "net", "aging_basis": "invoice_date"}
    env = {**os.environ, "REVWH_DBT_DUCKDB_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    env.pop("REVWH_DBT_AS_OF", None)  # left by the pipeline run in this process; T goes in as the var
    done = subprocess.run(
        [dbt_executable(), "build", "--exclude-resource-type", "unit_test", "--select", *reached,
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(warehouse.parent / "target"), "--vars", json.dumps({"as_of": AS_OF, **settings})],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert query(warehouse, "select revenue_presentation, aging_basis from marts.warehouse_settings") == [
        ("net", "invoice_date")
    ]
    return warehouse


def test_revenue_recognition_upsell_open_month_and_cancellation(wh: Path) -> None:
    # A1 Aug: billable 3000, no spend -> media 0, fee 300; credit due 3000;
    # deferred = max(0, 3300 - 300 - 3000) = 0, unbilled = 0
    rows = {
        (r["contract_id"], r["month"].isoformat()): r
        for r in query_dicts(wh, "select * from marts.revenue_recognition")
    }
    a8 = rows[("A1", "2026-08-01")]
    assert (
        a8["billed"],
        a8["recognized_media"],
        a8["recognized_fee"],
        a8["deferred_revenue"],
        a8["unbilled_revenue"],
    ) == (D("3300.00"), D("0.00"), D("300.00"), D("0.00"), D("0.00"))
    # A1 Sep: 15 x 3000 + 15 x 6000 = 135000 / 30 = 4500.00 billable; fee 10% = 450.00;
    # delivered min(4000, 4500) = 4000 -> recognized 4450.00; underspend 500.00 but billed media 3000
    # is below delivered -> credit due min(500, max(0, 3000 - 4000)) = 0;
    # billed 3300 -> position 3300 - 4450 - 0 = -1150.00: deferred 0, unbilled 1150.00
    a9 = rows[("A1", "2026-09-01")]
    assert (
        a9["recognized_media"],
        a9["recognized_fee"],
        a9["recognized_total"],
        a9["deferred_revenue"],
        a9["unbilled_revenue"],
    ) == (D("4000.00"), D("450.00"), D("4450.00"), D("0.00"), D("1150.00"))
    # A1 Oct (open): billable to T 6000 x 15 / 31 = 2903.23; media min(2000, 2903.23) = 2000.00;
    # fee 600 x 15 / 31 = 290.3226 -> 290.32; total 2290.32; deferred 6600 - 2290.32 = 4309.68
    a10 = rows[("A1", "2026-10-01")]
    assert (a10["recognized_media"], a10["recognized_fee"], a10["deferred_revenue"]) == (
        D("2000.00"),
        D("290.32"),
        D("4309.68"),
    )
    # B1 Oct, billed after the Sep 15 cancellation: nothing to recognize, all 3410.00 deferred
    b10 = rows[("B1", "2026-10-01")]
    assert (b10["billed"], b10["recognized_total"], b10["deferred_revenue"]) == (D("3410.00"), D("0.00"), D("3410.00"))
    # D2 flat 900 from Oct 1: 900 x 15 / 31 = 435.4839 -> 435.48 recognized; deferred 900 - 435.48 = 464.52
    d2 = rows[("D2", "2026-10-01")]
    assert (d2["recognized_fee"], d2["deferred_revenue"]) == (D("435.48"), D("464.52"))
    # E1 (CAD) Sep: delivered 1500.00 CAD + fee 200.00 = 1700.00 CAD
    assert rows[("E1", "2026-09-01")]["recognized_total"] == D("1700.00")
    assert rows[("E1", "2026-09-01")]["currency"] == "CAD"


def test_deferred_revenue_rollforward_foots(wh: Path) -> None:
    rf = {
        r["month"].isoformat(): r
        for r in query_dicts(wh, "select * from marts.deferred_revenue_rollforward where client_id = 'F1'")
    }
    # Aug: 0 + 3300 - 300 - 3000 = 0.00
    assert (
        rf["2026-08-01"]["billings"],
        rf["2026-08-01"]["recognized"],
        rf["2026-08-01"]["underspend_credits"],
        rf["2026-08-01"]["closing"],
    ) == (D("3300.00"), D("300.00"), D("3000.00"), D("0.00"))
    # Sep: 0 + 3300 - 4450 - 0 (no credit due: billed media 3000 < delivered 4000) = -1150.00
    # (revenue ahead of billing: unbilled)
    assert (rf["2026-09-01"]["opening"], rf["2026-09-01"]["closing"], rf["2026-09-01"]["closing_unbilled"]) == (
        D("0.00"),
        D("-1150.00"),
        D("1150.00"),
    )
    # Oct: -1150 + 6600 - 2290.32 - 0 = 3159.68
    assert (rf["2026-10-01"]["opening"], rf["2026-10-01"]["billings"], rf["2026-10-01"]["closing"]) == (
        D("-1150.00"),
        D("6600.00"),
        D("3159.68"),
    )
    bad = query(
        wh,
        "select count(*) from marts.deferred_revenue_rollforward"
        " where opening + billings - recognized - underspend_credits <> closing",
    )
    assert bad == [(0,)]


def test_ar_aging_buckets_short_pay_memo_write_off(wh: Path) -> None:
    ar = {r["invoice_id"]: r for r in query_dicts(wh, "select * from marts.ar_aging")}
    # I-C1: 1000 - 400 (short pay P1) = 600.00, due Oct 31 -> -16 days -> current
    assert (ar["I-C1"]["open_amount"], ar["I-C1"]["days_past_due"], ar["I-C1"]["aging_bucket"]) == (
        D("600.00"),
        -16,
        "current",
    )
    # I-C2: 500 - 120 (dispute memo applied Oct 5) = 380.00; due Oct 1 -> 14 days -> 1-30
    assert (ar["I-C2"]["open_amount"], ar["I-C2"]["aging_bucket"]) == (D("380.00"), "1-30")
    # I-C5: due Sep 15 -> 30 days -> 1-30 (edge); P9 is dated after T so 200.00 stays open
    assert (ar["I-C5"]["open_amount"], ar["I-C5"]["days_past_due"], ar["I-C5"]["aging_bucket"]) == (
        D("200.00"),
        30,
        "1-30",
    )
    # I-C3b: due Aug 14 -> 62 days -> 61-90
    assert ar["I-C3b"]["aging_bucket"] == "61-90"
    # I-C4: due Jul 1 -> 106 days -> 90+; the write-off of Oct 20 is after T: 250.00 open
    assert (ar["I-C4"]["open_amount"], ar["I-C4"]["aging_bucket"]) == (D("250.00"), "90+")
    # I-A9 (F1, due Oct 1, unpaid) 3300 -> 1-30 ... and a 31-60 one: I-A8 due Aug 31 -> 45 days
    assert (ar["I-A8"]["days_past_due"], ar["I-A8"]["aging_bucket"]) == (45, "31-60")
    # I-C3: 800 - 750 (short pay) - 50 (write-off Oct 10) = 0 -> not open; I-C7 overpaid -> not open
    assert "I-C3" not in ar and "I-C7" not in ar
    # I-D1 1000.00 CAD at the invoice date's rate 0.72 = 720.00 USD
    assert (ar["I-D1"]["currency"], ar["I-D1"]["open_amount_usd"]) == ("CAD", D("720.00"))
    assert query(wh, "select count(*) from marts.ar_aging where open_amount <= 0") == [(0,)]


def test_overpayment_and_unapplied_cash_are_exceptions(wh: Path) -> None:
    ex = query_dicts(
        wh, "select * from marts.data_exceptions where exception_type in ('overpayment', 'unapplied_cash')"
    )
    reasons = sorted(r["reason"] for r in ex)
    # I-C7: 150 applied to a 100 invoice -> 50.00 over; P8 75.00 never applied
    assert reasons == [
        "invoice I-C7: payments, credits and write-offs of 150.00 exceed its total 100.00 by 50.00",
        "payment P8 of 75.00: 75.00 not applied to any invoice",
    ]


def test_billing_reconciliation_findings(wh: Path) -> None:
    rec = {
        (r["contract_id"], r["invoice_id"], str(r["service_month"]), r["finding"]): r
        for r in query_dicts(wh, "select * from marts.billing_reconciliation")
    }

    def amounts(key: tuple) -> tuple:
        return rec[key]["expected_amount"], rec[key]["invoiced_amount"]

    # A1 Sep: expected 4500 + 450 = 4950.00, invoiced 3300.00 before the upsell
    assert amounts(("A1", "I-A9", "2026-09-01", "amount_mismatch")) == (D("4950.00"), D("3300.00"))
    # B1 Aug: expected 3100 + 310 = 3410.00, nothing invoiced
    assert amounts(("B1", None, "2026-08-01", "missing_invoice")) == (D("3410.00"), D("0.00"))
    # B1 Sep: cancelled Sep 15 -> 15 x 3100 / 30 = 1550 + fee 155 = 1705.00 expected, 3410 invoiced
    assert amounts(("B1", "I-B9", "2026-09-01", "amount_mismatch")) == (D("1705.00"), D("3410.00"))
    # B1 Oct: billed after the cancellation
    assert amounts(("B1", "I-B10", "2026-10-01", "billed_after_cancellation")) == (D("0.00"), D("3410.00"))
    # I-A10: header 6610.00 vs lines 6600.00
    assert amounts((None, "I-A10", "2026-10-01", "invoice_total_mismatch")) == (D("6600.00"), D("6610.00"))
    # F5's adjustment lines name no contract
    assert amounts((None, "I-C1", "2026-10-01", "invoice_without_contract")) == (D("0.00"), D("1000.00"))
    # A1 Aug and Oct, D2 Oct are billed exactly: no finding
    assert not [k for k in rec if k[0] == "D2" or (k[0] == "A1" and k[2] in ("2026-08-01", "2026-10-01"))]


def test_product_client_counts_churn_reactivation_and_usd(wh: Path) -> None:
    pc = {
        (r["product_code"], r["month"].isoformat()): r
        for r in query_dicts(wh, "select * from marts.product_client_counts")
    }

    def counts(key: tuple) -> tuple:
        return pc[key]["active_clients"], pc[key]["new_clients"], pc[key]["churned_clients"]

    # SEO: F4 active Jul, Aug; gone Sep (churned); back Oct (new again)
    assert counts(("SEO", "2026-07-01")) == (1, 1, 0)
    assert counts(("SEO", "2026-08-01")) == (1, 0, 0)
    assert counts(("SEO", "2026-09-01")) == (0, 0, 1)
    assert counts(("SEO", "2026-10-01")) == (1, 1, 0)
    # ... and new in October as a reactivation (active in Jul and Aug, before September)
    assert [pc[("SEO", m)]["reactivated_clients"] for m in ("2026-07-01", "2026-08-01", "2026-10-01")] == [0, 0, 1]
    # SEARCH: Aug {F1, F3}; Sep {F1, F3, F2}; Oct {F1, F2} (F3 cancelled Sep 15)
    assert counts(("SEARCH", "2026-08-01")) == (2, 2, 0)
    assert counts(("SEARCH", "2026-09-01")) == (3, 1, 0)
    assert counts(("SEARCH", "2026-10-01")) == (2, 0, 1)
    # SEARCH Sep revenue: USD 4450 (A1) + 155 (B1 fee, no spend) + CAD 1700 x 0.74 (Sep 30) = 1258.00
    # -> 5863.00
    assert pc[("SEARCH", "2026-09-01")]["recognized_revenue_usd"] == D("5863.00")
    # SEARCH Oct: 2290.32 (A1) + E1 fee 200 x 15 / 31 = 96.77 CAD x 0.72 (rate at T) = 69.67 -> 2359.99
    assert pc[("SEARCH", "2026-10-01")]["recognized_revenue_usd"] == D("2359.99")


def test_budget_movements_bridge(wh: Path) -> None:
    bm = {
        (r["client_id"], r["product_code"], r["month"].isoformat()): r
        for r in query_dicts(wh, "select * from marts.budget_movements")
    }
    # F1 SEARCH: Aug new 3000; Sep upsell 3000 (3000 -> 6000 on Sep 16); Oct unchanged
    assert (bm[("F1", "SEARCH", "2026-08-01")]["movement"], bm[("F1", "SEARCH", "2026-08-01")]["new"]) == (
        "new",
        D("3000.00"),
    )
    assert (bm[("F1", "SEARCH", "2026-09-01")]["movement"], bm[("F1", "SEARCH", "2026-09-01")]["upsell"]) == (
        "upsell",
        D("3000.00"),
    )
    # F3 SEARCH: cancelled Sep 15 -> Sep cancellation 3100, closing 0
    f3 = bm[("F3", "SEARCH", "2026-09-01")]
    assert (f3["movement"], f3["cancellation"], f3["closing"]) == ("cancellation", D("3100.00"), D("0.00"))
    # F4 SEO: Sep cancellation, Oct reactivation 900
    assert bm[("F4", "SEO", "2026-09-01")]["movement"] == "cancellation"
    f4 = bm[("F4", "SEO", "2026-10-01")]
    assert (f4["movement"], f4["reactivation"], f4["opening"], f4["closing"]) == (
        "reactivation",
        D("900.00"),
        D("0.00"),
        D("900.00"),
    )
    assert query(
        wh,
        "select count(*) from marts.budget_movements where opening + new + upsell + reactivation"
        " - decrease - cancellation <> closing",
    ) == [(0,)]


def test_budget_movements_months_without_any_active_contract(wh: Path) -> None:
    bm = {
        r["month"].isoformat(): (r["movement"], r["opening"], r["closing"])
        for r in query_dicts(wh, "select * from marts.budget_movements where client_id = 'F6'")
    }
    # G1 500 Jan 1 - Feb 28; nothing at Mar 31 (no contract of any client is active in Mar 2026);
    # G2 500 from Apr 1 (after a cancellation: reactivation) to May 31; nothing at Jun 30.
    assert bm == {
        "2026-01-01": ("new", D("0.00"), D("500.00")),
        "2026-02-01": ("unchanged", D("500.00"), D("500.00")),
        "2026-03-01": ("cancellation", D("500.00"), D("0.00")),
        "2026-04-01": ("reactivation", D("0.00"), D("500.00")),
        "2026-05-01": ("unchanged", D("500.00"), D("500.00")),
        "2026-06-01": ("cancellation", D("500.00"), D("0.00")),
    }
    pc = {
        r["month"].isoformat(): (r["active_clients"], r["new_clients"], r["churned_clients"])
        for r in query_dicts(wh, "select * from marts.product_client_counts where product_code = 'SEO'")
    }
    # F6 active Jan, Feb, Apr, May; F4 from Jul: Mar churned, Apr new again, Jun churned, Jul new (F4)
    assert [pc[f"2026-{m:02d}-01"] for m in range(1, 8)] == [
        (1, 1, 0),
        (1, 0, 0),
        (0, 0, 1),
        (1, 1, 0),
        (1, 0, 0),
        (0, 0, 1),
        (1, 1, 0),
    ]


def test_dso(wh: Path) -> None:
    sep = query_dicts(wh, "select * from marts.ar_dso where month = '2026-09-01'")[0]
    # Open at Sep 30: I-A8 3300 + I-A9 3300 + I-B9 3410 + I-C2 500 (memo Oct 5 is later)
    # + I-C3 800 - 750 = 50 + I-C3b 300 + I-C4 250 + I-C5 200 (paid Oct 20) + I-C7 0 (overpaid) = 11310.00
    # Billed Jul 3 - Sep 30: 3300 + 3300 + 3410 + 500 + 800 + 300 + 200 + 100 = 11910.00
    # DSO = 11310 / 11910 x 90 = 85.466 -> 85.5
    assert (sep["as_of_date"], sep["closing_ar_usd"], sep["billings_90d_usd"], sep["dso_days"]) == (
        date(2026, 9, 30),
        D("11310.00"),
        D("11910.00"),
        D("85.5"),
    )
    # every month from the first invoice (Jun) to the month of T, the last one measured at T
    months = query(wh, "select month, as_of_date from marts.ar_dso order by month")
    assert [m.isoformat() for m, _ in months] == [f"2026-{m:02d}-01" for m in range(6, 11)]
    assert months[-1][1] == date(2026, 10, 15)


def test_margin_tracker(wh: Path) -> None:
    m = query_dicts(wh, "select * from marts.margin_tracker where client_id = 'F1' and month = '2026-09-01'")[0]
    # revenue 4450.00, media cost 4000.00 -> margin 450.00; 450 / 4450 = 0.10112 -> 0.1011
    assert (m["recognized_revenue"], m["media_cost"], m["gross_margin"], m["margin_pct"]) == (
        D("4450.00"),
        D("4000.00"),
        D("450.00"),
        D("0.1011"),
    )


def test_weekly_flash_week_of_oct_1(wh: Path) -> None:
    wk = query_dicts(wh, "select * from marts.weekly_flash where week_start = '2026-09-28'")[0]
    assert wk["week_end"] == date(2026, 10, 4)
    # invoices dated Sep 28 - Oct 4: 6610 + 3410 + 1000 (I-C1) + 900 + 1000 CAD x 0.72 = 720 -> 12640.00
    assert wk["billings_usd"] == D("12640.00")
    assert wk["collections_usd"] == D("75.00")  # P8 on Oct 2
    assert wk["spend_usd"] == D("2000.00")  # A1 on Oct 3
    # AR > 60 days past due at Oct 4: only I-C4 (due Jul 1, 95 days), 250.00
    assert wk["ar_over_60_usd"] == D("250.00")
    # As of Oct 4: A1 expected 6000 x 4 / 31 = 774.19 vs 2000 spent -> over; E1 258.06 CAD vs 0 -> under
    assert (wk["contracts_under_pacing"], wk["contracts_over_pacing"]) == (1, 1)
    # Underspend owed at Oct 4 (Aug, Sep closed), credit due capped by the media billed by Oct 4:
    # A1 Aug min(3000, 3000 - 0) = 3000 - memo 3000 (Sep 10) = 0; A1 Sep billed 3000 < delivered
    # 4000 -> 0; B1 Aug never billed -> 0 (its 1000 memo is dated Oct 8); B1 Sep min(1550, 3100 - 0)
    # = 1550; E1 Sep not billed -> 0 -> 1550.00
    assert wk["underspend_liability_usd"] == D("1550.00")
    # Recognized, spread by active day: A1 Sep 4450 x 3/30 = 445.00; A1 Oct 2290.32 x 4/15 = 610.75;
    # E1 Sep 1700 x 3/30 = 170.00 CAD x 0.74 = 125.80; E1 Oct 96.77 x 4/15 = 25.81 CAD x 0.72 = 18.58;
    # D2 Oct 435.48 x 4/15 = 116.13 -> 1316.26
    assert wk["recognized_revenue_usd"] == D("1316.26")


def test_underspend_partial_credit_memo(wh: Path) -> None:
    u = {
        r["month"].isoformat(): (r["underspend"], r["billed_media"], r["credit_due"], r["credits_issued"],
                                 r["outstanding_liability"])
        for r in query_dicts(wh, "select * from marts.underspend_credits where contract_id = 'B1'")
    }
    # Aug: 3100 billable, no spend -> underspend 3100, but Aug was never invoiced: credit due 0;
    # the 1000 memo (Oct 8, before T) was over-credited: outstanding -1000.00, shown, not hidden
    assert u["2026-08-01"] == (D("3100.00"), D("0.00"), D("0.00"), D("1000.00"), D("-1000.00"))
    # Sep (cancelled Sep 15): billable 1550, no spend; billed media 3100 (I-B9) -> min(1550, 3100) = 1550
    assert u["2026-09-01"] == (D("1550.00"), D("3100.00"), D("1550.00"), D("0.00"), D("1550.00"))


def test_net_presentation_and_invoice_date_aging(wh_net: Path) -> None:
    a9 = query_dicts(
        wh_net, "select * from marts.revenue_recognition where contract_id = 'A1' and month = '2026-09-01'"
    )[0]
    # Net: only the fee is revenue: billed 300 (fee line), recognized 450 -> unbilled 150, no media, no credit
    assert (a9["billed"], a9["recognized_media"], a9["recognized_total"], a9["unbilled_revenue"]) == (
        D("300.00"),
        D("0.00"),
        D("450.00"),
        D("150.00"),
    )
    c2 = query_dicts(wh_net, "select * from marts.ar_aging where invoice_id = 'I-C2'")[0]
    # Aged from the invoice date Sep 1: 44 days -> 31-60
    assert (c2["days_past_due"], c2["aging_bucket"]) == (44, "31-60")


# A second landing, T = 2026-03-10 (March open, 10 of 31 days through T): fee tiers and a
# discount, a mid-month start, an upsell in a closed month, overspend, a CAD flat product.
#   K1 (C1, USD) SEARCH from Jan 15 at 4000, upsell to 6000 on Feb 10; tiers 15% below 5000,
#      12% from 5000; C1 has 10% off SEARCH from Feb 1. Spend Jan 20 2000, Feb 5 3000,
#      Feb 25 3000, Mar 2 1000, Mar 9 1500. Billed in advance; Feb billed at the old budget.
#   W1 (C2, CAD) WEB flat 1000 CAD from Feb 1; CAD 0.73 from Jan 1, 0.74 Feb 20, 0.70 Mar 5.
Q1_AS_OF = "2026-03-10"
Q1_LANDING = {
    "clients": [
        {"client_id": "C1", "client_name": "One Ford", "oem": "Ford", "country": "US", "currency": "USD"},
        {"client_id": "C2", "client_name": "Two Kia", "oem": "Kia", "country": "CA", "currency": "CAD"},
    ],
    "products": [
        {"product_code": "SEARCH", "product_name": "Paid search", "product_line": "search", "pricing_model": "media"},
        {"product_code": "WEB", "product_name": "Website", "product_line": "web", "pricing_model": "flat"},
    ],
    "rate_card": [
        {"product_code": "SEARCH", "min_monthly_budget": "0", "max_monthly_budget": "5000", "fee_pct": "0.15"},
        {"product_code": "SEARCH", "min_monthly_budget": "5000", "fee_pct": "0.12"},
    ],
    "client_discounts": [
        {"client_id": "C1", "product_code": "SEARCH", "discount_pct": "0.10", "effective_from": "2026-02-01"},
    ],
    "contracts": [
        {"contract_id": "K1", "client_id": "C1", "product_code": "SEARCH", "start_date": "2026-01-15"},
        {"contract_id": "W1", "client_id": "C2", "product_code": "WEB", "start_date": "2026-02-01"},
    ],
    "budget_schedule": [
        {"contract_id": "K1", "effective_date": "2026-01-15", "monthly_amount": "4000.00"},
        {"contract_id": "K1", "effective_date": "2026-02-10", "monthly_amount": "6000.00"},
        {"contract_id": "W1", "effective_date": "2026-02-01", "monthly_amount": "1000.00"},
    ],
    "ad_accounts": [
        {"platform": "google_ads", "account_id": "1000000001", "contract_id": "K1"},
    ],
    "google_ads": [
        {"segments_date": day, "customer_id": "1000000001", "customer_currency_code": "USD",
         "customer_time_zone": "UTC", "campaign_id": "1", "campaign_name": "Brand",
         "metrics_cost_micros": amount * 1_000_000, "metrics_impressions": 1, "metrics_clicks": 1,
         "extracted_at": "2026-03-11T02:00:00Z"}
        for day, amount in [
            ("2026-01-20", 2000),
            ("2026-02-05", 3000),
            ("2026-02-25", 3000),
            ("2026-03-02", 1000),
            ("2026-03-09", 1500),
        ]
    ],
    "fx_rates": [
        {"rate_date": "2026-01-01", "currency": "CAD", "usd_per_unit": "0.73"},
        {"rate_date": "2026-02-20", "currency": "CAD", "usd_per_unit": "0.74"},
        {"rate_date": "2026-03-05", "currency": "CAD", "usd_per_unit": "0.70"},
    ],
    "invoices": [
        _inv("INV1", "C1", "2026-01-15", "2026-02-14", "2522.58"),
        _inv("INV2", "C1", "2026-02-01", "2026-03-03", "4540.00"),
        _inv("INV3", "C1", "2026-03-01", "2026-03-31", "6648.00"),
        _inv("INVC", "C2", "2026-02-01", "2026-02-01", "1000.00", "CAD"),
        _inv("INV0", "C1", "2025-11-01", "2025-12-01", "300.00"),
        _inv("INV61", "C1", "2025-12-15", "2026-01-05", "50.00"),
    ],
    "invoice_lines": [
        {"invoice_id": "INV1", "line_no": 1, "contract_id": "K1", "service_month": "2026-01-01", "line_type": "media",
         "amount": "2193.55"},
        {"invoice_id": "INV1", "line_no": 2, "contract_id": "K1", "service_month": "2026-01-01",
         "line_type": "management_fee", "amount": "329.03"},
        {"invoice_id": "INV2", "line_no": 1, "contract_id": "K1", "service_month": "2026-02-01", "line_type": "media",
         "amount": "4000.00"},
        {"invoice_id": "INV2", "line_no": 2, "contract_id": "K1", "service_month": "2026-02-01",
         "line_type": "management_fee", "amount": "540.00"},
        {"invoice_id": "INV3", "line_no": 1, "contract_id": "K1", "service_month": "2026-03-01", "line_type": "media",
         "amount": "6000.00"},
        {"invoice_id": "INV3", "line_no": 2, "contract_id": "K1", "service_month": "2026-03-01",
         "line_type": "management_fee", "amount": "648.00"},
        {"invoice_id": "INVC", "line_no": 1, "contract_id": "W1", "service_month": "2026-02-01",
         "line_type": "flat_fee", "amount": "1000.00"},
    ],
    "payments": [
        {"payment_id": "P1", "client_id": "C1", "payment_date": "2026-02-20", "amount": "2000.00", "method": "ach"},
        {"payment_id": "P2", "client_id": "C2", "payment_date": "2026-03-12", "amount": "1000.00", "method": "ach"},
    ],
    "payment_applications": [
        {"payment_id": "P1", "invoice_id": "INV1", "amount_applied": "2000.00"},
        {"payment_id": "P2", "invoice_id": "INVC", "amount_applied": "1000.00"},
    ],
    "credit_memos": [
        {"credit_memo_id": "M1", "client_id": "C1", "contract_id": "K1", "service_month": "2026-02-01",
         "memo_date": "2026-03-05", "amount": "540.00", "reason": "dispute", "applied_invoice_id": "INV2"},
    ],
    "write_offs": [
        {"invoice_id": "INV0", "write_off_date": "2026-03-01", "amount": "100.00", "reason": "partial"},
    ],
}


@pytest.fixture(scope="module")
def wh_q1(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    return finance_duckdb_run(tmp_path_factory, worker_id, "q1")[1]


def test_q1_recognition_with_tiers_discount_and_mid_month_start(wh_q1: Path) -> None:
    rows = {
        (r["contract_id"], r["month"].isoformat()): r
        for r in query_dicts(wh_q1, "select * from marts.revenue_recognition")
    }

    def figures(key: tuple) -> tuple:
        r = rows[key]
        return (
            r["billed"],
            r["recognized_media"],
            r["recognized_fee"],
            r["underspend_credit_due"],
            r["deferred_revenue"],
            r["unbilled_revenue"],
        )

    # Jan (Jan 15-31, 17 of 31 days): billable 4000 x 17 / 31 = 2193.548 -> 2193.55; tier at Jan 31
    # (4000) 15%, no discount yet: fee 329.0325 -> 329.03; media min(2000, 2193.55) = 2000.00;
    # credit due 193.55; deferred max(0, 2522.58 - 2329.03 - 193.55) = 0
    assert figures(("K1", "2026-01-01")) == (
        D("2522.58"), D("2000.00"), D("329.03"), D("193.55"), D("0.00"), D("0.00")
    )  # fmt: skip
    # Feb (28 days): 9 x 4000 + 19 x 6000 = 150000 / 28 = 5357.142 -> 5357.14; tier at Feb 28 (6000)
    # 12%, discount 10%: 5357.14 x 0.12 x 0.9 = 578.571 -> 578.57; media min(6000, 5357.14) = 5357.14
    # (overspend 642.86 is not revenue); recognized 5935.71 vs billed 4540.00 less the 540.00 dispute
    # memo M1 (Mar 5, before T) = 4000.00 net -> unbilled 1935.71
    assert figures(("K1", "2026-02-01")) == (
        D("4000.00"), D("5357.14"), D("578.57"), D("0.00"), D("0.00"), D("1935.71")
    )  # fmt: skip
    # Mar (open, 10 of 31 days): media min(2500, 6000 x 10 / 31 = 1935.48) = 1935.48;
    # fee 6000 x 0.12 x 0.9 = 648.00 x 10 / 31 = 209.03; deferred 6648 - 2144.51 = 4503.49
    assert figures(("K1", "2026-03-01")) == (
        D("6648.00"), D("1935.48"), D("209.03"), D("0.00"), D("4503.49"), D("0.00")
    )  # fmt: skip
    # W1 flat 1000 CAD: Feb whole month 1000.00; Mar 1000 x 10 / 31 = 322.58, not billed -> unbilled
    assert figures(("W1", "2026-03-01")) == (
        D("0.00"), D("0.00"), D("322.58"), D("0.00"), D("0.00"), D("322.58")
    )  # fmt: skip

    rf = {
        r["month"].isoformat(): (r["opening"], r["closing"])
        for r in query_dicts(wh_q1, "select * from marts.deferred_revenue_rollforward where client_id = 'C1'")
    }
    # Jan 0 + 2522.58 - 2329.03 - 193.55 = 0; Feb 0 + 4540 - 5935.71 = -1395.71;
    # Mar -1395.71 + (6648 - 540 dispute memo of Mar 5) - 2144.51 = 2567.78
    assert rf == {
        "2026-01-01": (D("0.00"), D("0.00")),
        "2026-02-01": (D("0.00"), D("-1395.71")),
        "2026-03-01": (D("-1395.71"), D("2567.78")),
    }


def test_q1_reconciliation_margin_counts_and_movements(wh_q1: Path) -> None:
    rec = {
        (r["contract_id"], str(r["service_month"]), r["finding"]): (r["expected_amount"], r["invoiced_amount"])
        for r in query_dicts(wh_q1, "select * from marts.billing_reconciliation where contract_id is not null")
    }
    # Feb expected 5357.14 + 578.57 = 5935.71, billed at the old budget 4540.00; Mar W1 never billed;
    # Jan (2193.55 + 329.03 = 2522.58) and Mar K1 (6000 + 648 = 6648.00) are billed exactly
    assert rec == {
        ("K1", "2026-02-01", "amount_mismatch"): (D("5935.71"), D("4540.00")),
        ("W1", "2026-03-01", "missing_invoice"): (D("1000.00"), D("0.00")),
    }
    m = {
        r["month"].isoformat(): (r["recognized_revenue"], r["media_cost"], r["gross_margin"], r["margin_pct"])
        for r in query_dicts(wh_q1, "select * from marts.margin_tracker where client_id = 'C1'")
    }
    # Jan 2329.03 - 2000 = 329.03, / 2329.03 = 0.14127 -> 0.1413
    # Feb 5935.71 - 6000 (overspend included) = -64.29, / 5935.71 = -0.01083 -> -0.0108
    assert m["2026-01-01"] == (D("2329.03"), D("2000.00"), D("329.03"), D("0.1413"))
    assert m["2026-02-01"] == (D("5935.71"), D("6000.00"), D("-64.29"), D("-0.0108"))
    pc = {
        (r["product_code"], r["month"].isoformat()): r["recognized_revenue_usd"]
        for r in query_dicts(wh_q1, "select * from marts.product_client_counts")
    }
    # WEB Feb 1000 CAD x 0.74 (rate on Feb 28) = 740.00; Mar 322.58 CAD x 0.70 (rate at T) = 225.806 -> 225.81
    assert (pc[("WEB", "2026-02-01")], pc[("WEB", "2026-03-01")]) == (D("740.00"), D("225.81"))
    bm = {
        r["month"].isoformat(): (r["movement"], r["new"], r["upsell"], r["closing"])
        for r in query_dicts(wh_q1, "select * from marts.budget_movements where client_id = 'C1'")
    }
    # Jan new 4000 (Jan 31); Feb upsell 6000 - 4000 = 2000; Mar (at T) unchanged
    assert bm == {
        "2026-01-01": ("new", D("4000.00"), D("0.00"), D("4000.00")),
        "2026-02-01": ("upsell", D("0.00"), D("2000.00"), D("6000.00")),
        "2026-03-01": ("unchanged", D("0.00"), D("0.00"), D("6000.00")),
    }


def test_q1_aging_dso_and_flash(wh_q1: Path) -> None:
    ar = {
        r["invoice_id"]: (r["open_amount"], r["days_past_due"], r["aging_bucket"], r["open_amount_usd"])
        for r in query_dicts(wh_q1, "select * from marts.ar_aging")
    }
    assert ar == {
        "INV0": (D("200.00"), 99, "90+", D("200.00")),  # 300 - 100 written off Mar 1; Dec 1 -> Mar 10
        "INV61": (D("50.00"), 64, "61-90", D("50.00")),  # Jan 5 -> Mar 10
        "INV1": (D("522.58"), 24, "1-30", D("522.58")),  # short pay: 2522.58 - 2000
        "INV2": (D("4000.00"), 7, "1-30", D("4000.00")),  # 4540 - 540 dispute memo (Mar 5)
        "INV3": (D("6648.00"), -21, "current", D("6648.00")),
        # 1000 CAD paid Mar 12 (after T), due Feb 1 -> 37 days; x 0.73 (Feb 1 rate) = 730.00 USD
        "INVC": (D("1000.00"), 37, "31-60", D("730.00")),
    }
    dso = query_dicts(wh_q1, "select * from marts.ar_dso where month = '2026-03-01'")[0]
    # AR at T: 200 + 50 + 522.58 + 4000 + 6648 + 730 = 12150.58; billed Dec 11 - Mar 10:
    # 50 + 2522.58 + 4540 + 6648 + 730 = 14490.58; 12150.58 / 14490.58 x 90 = 75.466 -> 75.5
    assert (dso["closing_ar_usd"], dso["billings_90d_usd"], dso["dso_days"]) == (
        D("12150.58"),
        D("14490.58"),
        D("75.5"),
    )
    wk = query_dicts(wh_q1, "select * from marts.weekly_flash where week_start = '2026-03-09'")[0]
    # Week Mar 9 - T: K1 Mar 2144.51 x 2 / 10 = 428.90; W1 Mar 322.58 x 2 / 10 = 64.52 CAD x 0.70 = 45.16
    # -> 474.06; spend Mar 9 1500; K1 2500 vs 1935.48 expected -> over; AR > 60 days: INV0 200 + INV61 50;
    # underspend owed for closed Jan 193.55 (Feb none)
    assert (
        wk["recognized_revenue_usd"],
        wk["spend_usd"],
        wk["contracts_over_pacing"],
        wk["contracts_under_pacing"],
        wk["ar_over_60_usd"],
        wk["underspend_liability_usd"],
    ) == (D("474.06"), D("1500.00"), 1, 0, D("250.00"), D("193.55"))
    # Week Jan 26 - Feb 1: INV2 4540.00 + INVC 1000 CAD x 0.73 = 730.00 -> 5270.00
    wk = query_dicts(wh_q1, "select * from marts.weekly_flash where week_start = '2026-01-26'")[0]
    assert wk["billings_usd"] == D("5270.00")
