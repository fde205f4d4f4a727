"""Business rules of the spine (SPEC section 2) on small cases computed by hand.

One landing directory holds many independent scenarios (one contract each); the real
pipeline (loader -> dbt build -> publish, the Dagster job behind `revwh run`) runs once for
the module. Every expected figure below is worked out in the comment next to it.

As-of date T = 2026-10-15. September (30 days) is closed; October (31 days) is open.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from tests.landing_builder import query, query_dicts, write_landing, write_table

AS_OF = "2026-10-15"

CLIENTS = [
    {"client_id": "C1", "client_name": "Alpha Toyota", "oem": "Toyota", "country": "US", "currency": "USD",
     "billing_email": "a@example.com"},
    {"client_id": "C2", "client_name": "Beta Honda Toronto", "oem": "Honda", "country": "CA", "currency": "CAD",
     "billing_email": "b@example.com"},
    {"client_id": "C3", "client_name": "Gamma Toyota", "oem": "Toyota", "country": "US", "currency": "USD",
     "billing_email": "c@example.com"},
    {"client_id": "C4", "client_name": "Delta Honda", "oem": "Honda", "country": "US", "currency": "USD",
     "billing_email": "d@example.com"},
    {"client_id": "C5", "client_name": "Echo Ford", "oem": "Ford", "country": "US", "currency": "USD",
     "billing_email": "e@example.com"},
    {"client_id": "C6", "client_name": "Dup Motors", "oem": "Kia", "country": "US", "currency": "USD",
     "billing_email": "x@example.com"},
    {"client_id": "C6", "client_name": "Dup Motors again", "oem": "Kia", "country": "US", "currency": "USD",
     "billing_email": "y@example.com"},  # duplicate key in one file
]
PRODUCTS = [
    {"product_code": "SEARCH", "product_name": "Paid search", "product_line": "search", "pricing_model": "media"},
    {"product_code": "SOCIAL", "product_name": "Paid social", "product_line": "social", "pricing_model": "media"},
    {"product_code": "SEO", "product_name": "SEO", "product_line": "seo", "pricing_model": "flat"},
]
PROGRAMS = [
    {"program_code": "TCOOP", "oem": "Toyota", "coop_share_pct": "0.50", "monthly_cap": "1000.00",
     "eligible_products": "SEARCH|SOCIAL"},
    {"program_code": "HCOOP", "oem": "Honda", "coop_share_pct": "0.40", "monthly_cap": "2000.00",
     "eligible_products": "SEARCH"},
]
CONTRACTS = [
    {"contract_id": "K1", "client_id": "C1", "product_code": "SEARCH", "program_code": "TCOOP",
     "start_date": "2026-09-16"},
    {"contract_id": "K2", "client_id": "C2", "product_code": "SEARCH", "start_date": "2026-09-01",
     "end_date": "2026-10-20"},
    {"contract_id": "K3", "client_id": "C1", "product_code": "SEO", "start_date": "2026-09-01"},
    {"contract_id": "K4", "client_id": "C3", "product_code": "SEARCH", "program_code": "TCOOP",
     "start_date": "2026-09-01"},
    {"contract_id": "K5", "client_id": "C5", "product_code": "SOCIAL", "start_date": "2026-10-01"},
    {"contract_id": "K6", "client_id": "C5", "product_code": "SEARCH", "start_date": "2026-10-01"},
    {"contract_id": "K7", "client_id": "C4", "product_code": "SEARCH", "program_code": "HCOOP",
     "start_date": "2026-10-01"},
    {"contract_id": "K8", "client_id": "C4", "product_code": "SOCIAL", "start_date": "2026-10-01"},
    {"contract_id": "K9", "client_id": "C4", "product_code": "SEARCH", "program_code": "HCOOP",
     "start_date": "2026-09-01", "end_date": "2026-09-30"},
]
BUDGETS = [
    {"contract_id": "K1", "effective_date": "2026-09-16", "monthly_amount": "3000.00"},
    {"contract_id": "K1", "effective_date": "2026-10-11", "monthly_amount": "6200.00"},  # upsell on Oct 11
    {"contract_id": "K2", "effective_date": "2026-09-01", "monthly_amount": "1000.00"},
    {"contract_id": "K3", "effective_date": "2026-09-01", "monthly_amount": "900.00"},
    {"contract_id": "K4", "effective_date": "2026-09-01", "monthly_amount": "5000.00"},
    {"contract_id": "K5", "effective_date": "2026-10-01", "monthly_amount": "3100.00"},
    {"contract_id": "K6", "effective_date": "2026-10-01", "monthly_amount": "3100.00"},
    {"contract_id": "K7", "effective_date": "2026-10-01", "monthly_amount": "3100.00"},
    {"contract_id": "K8", "effective_date": "2026-10-01", "monthly_amount": "3100.00"},
    {"contract_id": "K9", "effective_date": "2026-09-01", "monthly_amount": "2000.00"},
    {"contract_id": "K99", "effective_date": "2026-09-01", "monthly_amount": "abc"},  # text in an amount: quarantined
]
RATE_CARD = [
    {"product_code": "SEARCH", "min_monthly_budget": "0", "max_monthly_budget": "5000", "fee_pct": "0.15"},
    {"product_code": "SEARCH", "min_monthly_budget": "5000", "fee_pct": "0.10"},
    {"product_code": "SOCIAL", "min_monthly_budget": "0", "fee_pct": "0.12"},
]
DISCOUNTS = [
    {"client_id": "C1", "product_code": "SEARCH", "discount_pct": "0.10", "effective_from": "2026-01-01"},
]
AD_ACCOUNTS = [
    {"platform": "google_ads", "account_id": "111-222-3333", "contract_id": "K1"},  # dashes as in the Google UI
    {"platform": "meta_ads", "account_id": "act_999", "contract_id": "K2"},  # act_ prefix as in Meta's UI
    {"platform": "meta_ads", "account_id": "444", "contract_id": "K4"},
    {"platform": "google_ads", "account_id": "2220001111", "contract_id": "K5"},
    {"platform": "meta_ads", "account_id": "666", "contract_id": "K6"},
    {"platform": "meta_ads", "account_id": "777", "contract_id": "K7"},
    {"platform": "microsoft_ads", "account_id": "888", "contract_id": "K8"},
    # same id as a Meta account, other platform
    {"platform": "microsoft_ads", "account_id": "999", "contract_id": "K9"},
]
FX = [
    {"rate_date": "2026-09-01", "currency": "CAD", "usd_per_unit": "0.740000"},
    {"rate_date": "2026-10-01", "currency": "CAD", "usd_per_unit": "0.720000"},
]
MEMOS = [
    {"credit_memo_id": "M1", "client_id": "C3", "contract_id": "K4", "service_month": "2026-09-01",
     "memo_date": "2026-10-05", "amount": "600.00", "reason": "underspend"},
    {"credit_memo_id": "M2", "client_id": "C3", "contract_id": "K4", "service_month": "2026-09-01",
     "memo_date": "2026-10-05", "amount": "100.00", "reason": "dispute"},
    {"credit_memo_id": "M3", "client_id": "C3", "contract_id": "K4", "service_month": "2026-09-01",
     "memo_date": "2026-10-20", "amount": "50.00", "reason": "underspend"},  # after T
]


# September billed in advance for K4 and K2 (the underspend credit due is capped by what was billed):
# K4 media 5000 + fee 10% (tier from 5000) = 500; K2 1000 CAD + 15% = 150 CAD.
INVOICES = [
    {"invoice_id": "INV-K4", "client_id": "C3", "invoice_date": "2026-09-01", "due_date": "2026-10-01",
     "currency": "USD", "total_amount": "5500.00"},
    {"invoice_id": "INV-K2", "client_id": "C2", "invoice_date": "2026-09-01", "due_date": "2026-10-01",
     "currency": "CAD", "total_amount": "1150.00"},
]
INVOICE_LINES = [
    {"invoice_id": "INV-K4", "line_no": 1, "contract_id": "K4", "service_month": "2026-09-01", "line_type": "media",
     "amount": "5000.00"},
    {"invoice_id": "INV-K4", "line_no": 2, "contract_id": "K4", "service_month": "2026-09-01",
     "line_type": "management_fee", "amount": "500.00"},
    {"invoice_id": "INV-K2", "line_no": 1, "contract_id": "K2", "service_month": "2026-09-01", "line_type": "media",
     "amount": "1000.00"},
    {"invoice_id": "INV-K2", "line_no": 2, "contract_id": "K2", "service_month": "2026-09-01",
     "line_type": "management_fee", "amount": "150.00"},
]


def _g(day: str, account: str, campaign: str, micros: int, extracted: str) -> dict:
    return {"segments_date": day, "customer_id": account, "customer_currency_code": "USD",
            "customer_time_zone": "America/New_York", "campaign_id": campaign, "campaign_name": f"Campaign {campaign}",
            "metrics_cost_micros": micros, "metrics_impressions": 100, "metrics_clicks": 5, "extracted_at": extracted}


def _m(day: str, account: str, campaign: str, spend: str, extracted: str = "2026-10-16T02:00:00Z") -> dict:
    return {"date_start": day, "account_id": account, "account_currency": "USD", "campaign_id": campaign,
            "campaign_name": f"Campaign {campaign}", "spend": spend, "impressions": 100, "clicks": 5,
            "extracted_at": extracted}


def _ms(day: str, account: str, campaign: str, spend: str) -> dict:
    return {"TimePeriod": day, "AccountId": account, "CurrencyCode": "USD", "CampaignId": campaign,
            "CampaignName": f"Campaign {campaign}", "Spend": spend, "Impressions": 100, "Clicks": 5,
            "extracted_at": "2026-10-16T02:00:00Z"}


def build_landing(landing: Path) -> Path:
    write_landing(landing, {
        "clients": CLIENTS, "products": PRODUCTS, "oem_programs": PROGRAMS, "contracts": CONTRACTS,
        "budget_schedule": BUDGETS, "rate_card": RATE_CARD, "client_discounts": DISCOUNTS,
        "ad_accounts": AD_ACCOUNTS, "fx_rates": FX, "credit_memos": MEMOS,
        "invoices": INVOICES, "invoice_lines": INVOICE_LINES,
    })
    # A later export of clients: the file sorting last wins for C5.
    write_table(landing, "clients", [
        {"client_id": "C5", "client_name": "Echo Ford Renamed", "oem": "Ford", "country": "US", "currency": "USD",
         "billing_email": "e2@example.com"},
    ], "clients_2026-10.csv")
    write_table(landing, "google_ads", [
        _g("2026-10-01", "1112223333", "11", 100_000_000, "2026-10-02T02:00:00Z"),
        _g("2026-10-02", "1112223333", "11", 50_500_000, "2026-10-03T02:00:00Z"),
        _g("2026-10-02", "5550001111", "77", 12_340_000, "2026-10-03T02:00:00Z"),  # unmapped
    ], "google_base.csv")
    # Restatement for K5 (account 2220001111): pull 1 then pull 2 re-pulls Oct 8 and 10.
    write_table(landing, "google_ads", [
        _g("2026-10-08", "2220001111", "A", 700_000_000, "2026-10-10T02:00:00Z"),
        _g("2026-10-08", "2220001111", "B", 50_000_000, "2026-10-10T02:00:00Z"),
        _g("2026-10-09", "2220001111", "A", 300_000_000, "2026-10-10T02:00:00Z"),
    ], "google_pull_2026-10-10.csv")
    write_table(landing, "google_ads", [
        _g("2026-10-08", "2220001111", "A", 650_000_000, "2026-10-12T02:00:00Z"),  # B vanished
        _g("2026-10-10", "2220001111", "A", 400_000_000, "2026-10-12T02:00:00Z"),
    ], "google_pull_2026-10-12.csv")
    write_table(landing, "meta_ads", [
        _m("2026-09-15", "999", "5", "200.00"),  # USD spend for a CAD client
        _m("2026-10-21", "999", "5", "10.00"),  # after K2's cancellation on Oct 20
        _m("2026-09-10", "444", "6", "4000.00"),
        _m("2026-10-05", "666", "7", "1349.99"),
        _m("2026-10-06", "777", "8", "1650.01"),
    ], "meta_ads_2026-10-16.csv")
    write_table(landing, "microsoft_ads", [
        _ms("2026-10-07", "888", "9", "1650.00"),
        _ms("2026-09-12", "999", "10", "2500.00"),
    ], "microsoft_ads_2026-10-16.csv")
    return landing


@pytest.fixture(scope="module")
def warehouse(spine_cli_run: tuple) -> Path:
    """The warehouse `revwh run` built over build_landing() (tests/conftest.py, shared)."""
    _landing, wh, proc = spine_cli_run
    assert proc.returncode == 0, proc.stderr
    return wh


def _one(wh: Path, sql: str, *params: object) -> dict:
    rows = query_dicts(wh, sql, list(params))
    assert len(rows) == 1, rows
    return rows[0]


def test_billable_amount_prorates_start_budget_change_and_cancellation(warehouse: Path) -> None:
    # K1 starts Sep 16 at 3000: 15 active days of 30 -> 15 x 3000 / 30 = 1500.00
    assert _one(warehouse, "select billable_media from marts.underspend_credits"
                " where contract_id = 'K1' and month = '2026-09-01'")["billable_media"] == D("1500.00")
    # K1 October: 10 days at 3000 + 21 days at 6200 = 160200; / 31 = 5167.7419 -> 5167.74
    pacing = _one(warehouse, "select * from marts.budget_pacing where contract_id = 'K1'")
    assert pacing["billable_media"] == D("5167.74")
    # expected to date (Oct 1-15): 10 x 3000 + 5 x 6200 = 61000; / 31 = 1967.7419 -> 1967.74
    assert pacing["expected_to_date"] == D("1967.74")
    # K2 cancelled Oct 20: 20 active days x 1000 / 31 = 645.1613 -> 645.16
    assert _one(warehouse, "select billable_media from marts.budget_pacing where contract_id = 'K2'")[
        "billable_media"] == D("645.16")


def test_management_fee_tiers_and_discount(warehouse: Path) -> None:
    fees = dict(query(warehouse, "select contract_id || ' ' || month, management_fee"
                                 " from intermediate.int_contract_months"))
    # K1 Sep: budget on last active day 3000 -> tier [0,5000) 15%; discount 10%:
    # 1500.00 x 0.15 x 0.90 = 202.50
    assert fees["K1 2026-09-01"] == D("202.50")
    # K1 Oct: budget on Oct 31 is 6200 -> tier [5000,) 10%: 5167.74 x 0.10 x 0.90 = 465.0966 -> 465.10
    assert fees["K1 2026-10-01"] == D("465.10")
    # K4 Sep: 5000 is the lower bound of the 10% tier (inclusive): 5000.00 x 0.10 = 500.00
    assert fees["K4 2026-09-01"] == D("500.00")
    # K9 Sep: 2000 x 0.15 = 300.00, no discount for C4
    assert fees["K9 2026-09-01"] == D("300.00")
    # K3 is a flat product: no fee beyond its flat amount (900.00)
    assert fees["K3 2026-09-01"] == D("0.00")


def test_pacing_status_thresholds_and_ratio(warehouse: Path) -> None:
    rows = {r["contract_id"]: r for r in query_dicts(warehouse, "select * from marts.budget_pacing")}
    # K5..K8: 3100 a month from Oct 1; expected to Oct 15 = 15 x 3100 / 31 = 1500.00
    for k in ("K5", "K6", "K7", "K8"):
        assert rows[k]["expected_to_date"] == D("1500.00")
        assert rows[k]["billable_media"] == D("3100.00")
    # K5 spend after restatement: 650 + 300 + 400 = 1350.00; 1350 / 1500 = 0.9 exactly -> on_track
    assert rows["K5"]["spend_to_date"] == D("1350.00")
    assert rows["K5"]["pacing_ratio"] == D("0.9000")
    assert rows["K5"]["pacing_status"] == "on_track"
    # projected = 1350 / 15 x 31 = 2790.00
    assert rows["K5"]["projected_month_spend"] == D("2790.00")
    # K6: 1349.99 / 1500 = 0.899993 (shows as 0.9000) but is below 0.90 -> under
    assert rows["K6"]["pacing_ratio"] == D("0.9000")
    assert rows["K6"]["pacing_status"] == "under"
    # projected = 1349.99 x 31 / 15 = 2789.9793 -> 2789.98
    assert rows["K6"]["projected_month_spend"] == D("2789.98")
    # K7: 1650.01 > 1.10 x 1500 = 1650 -> over; K8: exactly 1650.00 -> on_track
    assert rows["K7"]["pacing_status"] == "over"
    assert rows["K8"]["pacing_status"] == "on_track"
    assert rows["K8"]["pacing_ratio"] == D("1.1000")
    # K1: 150.50 / 1967.74 = 0.07648 -> 0.0765, under; projected 150.50 x 31 / 15 = 311.0333 -> 311.03
    assert rows["K1"]["spend_to_date"] == D("150.50")
    assert rows["K1"]["pacing_ratio"] == D("0.0765")
    assert rows["K1"]["projected_month_spend"] == D("311.03")
    assert rows["K1"]["pacing_status"] == "under"
    assert {r["as_of_date"].isoformat() for r in rows.values()} == {AS_OF}
    assert {r["month"].isoformat() for r in rows.values()} == {"2026-10-01"}
    # Only media contracts active in October: K1, K2, K4..K8 (K3 is flat, K9 ended Sep 30)
    assert sorted(rows) == ["K1", "K2", "K4", "K5", "K6", "K7", "K8"]


def test_underspend_credits_with_and_without_memos(warehouse: Path) -> None:
    rows = {r["contract_id"]: r for r in query_dicts(
        warehouse, "select * from marts.underspend_credits where month = '2026-09-01'")}
    # K4: billable 5000.00, spend 4000.00 -> delivered 4000.00, underspend 1000.00; billed media
    # 5000.00 less M2's media share (dispute 100 x 5000 / 5500 = 90.91) = 4909.09 -> credit due
    # min(1000.00, 4909.09 - 4000.00 = 909.09) = 909.09; memos: M1 600.00 underspend counts, M3 is
    # dated after T -> issued 600.00, outstanding 909.09 - 600.00 = 309.09
    k4 = rows["K4"]
    assert (k4["delivered_media"], k4["underspend"], k4["billed_media"], k4["credit_due"], k4["credits_issued"],
            k4["outstanding_liability"]) == (
        D("4000.00"), D("1000.00"), D("4909.09"), D("909.09"), D("600.00"), D("309.09"))
    # K9: spend 2500.00 over billable 2000.00 -> delivered 2000.00, no underspend (overspend is cost)
    assert (rows["K9"]["delivered_media"], rows["K9"]["underspend"]) == (D("2000.00"), D("0.00"))
    # K2 (CAD): 200.00 USD on Sep 15 at CAD 0.74 (rate of Sep 1, the latest earlier):
    # 200 / 0.74 = 270.2703 -> 270.27 CAD; underspend 1000.00 - 270.27 = 729.73; billed media 1000.00
    # -> credit due min(729.73, 1000.00 - 270.27) = 729.73, no memo
    k2 = rows["K2"]
    assert (k2["spend"], k2["underspend"], k2["credit_due"], k2["credits_issued"], k2["outstanding_liability"],
            k2["currency"]) == (D("270.27"), D("729.73"), D("729.73"), D("0.00"), D("729.73"), "CAD")
    # October is not closed at T: no October rows
    assert query(warehouse, "select count(*) from marts.underspend_credits where month >= '2026-10-01'") == [(0,)]


def test_coop_reimbursement_share_and_cap(warehouse: Path) -> None:
    rows = {(r["program_code"], r["client_id"]): r for r in query_dicts(
        warehouse, "select * from marts.coop_reimbursement where month = '2026-09-01'")}
    # C3 / TCOOP: 50% x 4000.00 delivered = 2000.00, capped at 1000.00
    assert rows[("TCOOP", "C3")]["eligible_delivered_media"] == D("4000.00")
    assert rows[("TCOOP", "C3")]["reimbursement"] == D("1000.00")
    # C4 / HCOOP: 40% x 2000.00 delivered (K9, overspend not delivered) = 800.00, under the 2000 cap
    assert rows[("HCOOP", "C4")]["reimbursement"] == D("800.00")
    # C1 / TCOOP: K1 delivered nothing in September -> 0.00
    assert rows[("TCOOP", "C1")]["reimbursement"] == D("0.00")


def test_spend_fact_conversion_restatement_and_mapping(warehouse: Path) -> None:
    k2 = _one(warehouse, "select * from marts.fct_ad_spend_daily where platform = 'meta_ads'"
              " and account_id = '999' and spend_date = '2026-09-15'")
    assert (k2["contract_id"], k2["client_id"], k2["spend"], k2["currency"], k2["spend_usd"]) == (
        "K2", "C2", D("270.27"), "CAD", D("200.00"))
    k5 = query(warehouse, "select spend_date, campaign_id, spend from marts.fct_ad_spend_daily"
                          " where account_id = '2220001111' order by 1, 2")
    # Oct 8 restated by the Oct 12 pull (campaign B gone), Oct 9 kept from the Oct 10 pull
    assert [(d.isoformat(), c, s) for d, c, s in k5] == [
        ("2026-10-08", "A", D("650.00")), ("2026-10-09", "A", D("300.00")), ("2026-10-10", "A", D("400.00"))]
    # Google dashes and Meta act_ prefixes in ad_accounts still map
    assert _one(warehouse, "select contract_id from marts.fct_ad_spend_daily where account_id = '1112223333'"
                " and spend_date = '2026-10-01'")["contract_id"] == "K1"
    # microsoft 999 maps to K9, meta 999 to K2
    assert _one(warehouse, "select contract_id from marts.fct_ad_spend_daily where platform = 'microsoft_ads'"
                " and account_id = '999'")["contract_id"] == "K9"


def test_exceptions_report_unmapped_inactive_and_bad_rows(warehouse: Path) -> None:
    rows = query_dicts(warehouse, "select * from marts.data_exceptions order by source, line_number")
    kinds = {(r["source"], r["exception_type"], r["column_name"]) for r in rows}
    assert ("google_ads", "unmapped_account", "account_id") in kinds
    assert ("meta_ads", "spend_outside_contract", "spend_date") in kinds
    assert ("budget_schedule", "quarantined_row", "monthly_amount") in kinds
    bad_budget = next(r for r in rows if r["source"] == "budget_schedule")
    assert bad_budget["source_file"] == "contracting/budget_schedule.csv"
    assert bad_budget["line_number"] == 12  # the 11th data row: line 12 under the header
    assert "letters in an amount; export the number alone, got 'abc'" in bad_budget["reason"]
    # C6 appears twice in one file: both rows quarantined, C6 not staged
    dup = [r for r in rows if r["source"] == "clients"]
    assert [r["line_number"] for r in dup] == [7, 8]
    assert query(warehouse, "select count(*) from staging.stg_contracting__clients where client_id = 'C6'") == [(0,)]
    # The later clients file wins for C5
    assert query(warehouse, "select client_name from staging.stg_contracting__clients where client_id = 'C5'") == [
        ("Echo Ford Renamed",)]
    assert len(rows) == 5


def test_every_landed_row_is_staged_quarantined_or_superseded(warehouse: Path) -> None:
    audit = query_dicts(warehouse, "select * from marts.landing_audit")
    raw_total = sum(query(warehouse, f"select count(*) from raw.{t}")[0][0] for t in (
        "clients", "contracts", "budget_schedule", "google_ads", "meta_ads", "microsoft_ads"))
    assert raw_total == sum(a["landed_rows"] for a in audit if a["table_name"] in (
        "clients", "contracts", "budget_schedule", "google_ads", "meta_ads", "microsoft_ads"))
    for a in audit:
        assert a["landed_rows"] == a["staged_rows"] + a["quarantined_rows"] + a["superseded_rows"], a
    by_file = {a["source_file"]: a for a in audit}
    # Oct 10 pull: 3 rows, the two Oct 8 rows superseded by the Oct 12 pull, Oct 9 still current
    assert (by_file["ads/google_ads/google_pull_2026-10-10.csv"]["superseded_rows"],
            by_file["ads/google_ads/google_pull_2026-10-10.csv"]["staged_rows"]) == (2, 1)
    # clients.csv: C5 superseded by clients_2026-10.csv, two C6 rows quarantined, C1-C4 staged
    c = by_file["contracting/clients.csv"]
    assert (c["staged_rows"], c["quarantined_rows"], c["superseded_rows"]) == (4, 2, 1)
    quarantined = sum(a["quarantined_rows"] for a in audit)
    assert query(warehouse, "select count(*) from marts.data_exceptions"
                            " where exception_type = 'quarantined_row'") == [(quarantined,)]
