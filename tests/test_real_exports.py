"""Real exports (issue 8, SPEC section 5): several FX currencies, a renewal that keeps its ad
account, account ids in several formats, file names, billing ahead, billing_error and goodwill
memos, underspend on months never billed, a roll-forward that ties, budget rows after a
cancellation, an empty re-pull, DSO with a short history.

One landing directory, the real pipeline (the Dagster job behind `revwh run`) once for the
module. T = 2026-03-15: Nov 2025 - Feb 2026 are closed; March (31 days) is open, 15 days through T.
Every expected figure is worked out by hand in the comment next to it.

Clients and contracts (USD unless said; SEARCH/SOCIAL are media at a 10% fee, SEO is flat):
  R1  K-OLD SEARCH Jan 1 - Jan 31 at 3100, renewed as K-NEW SEARCH from Feb 1 at 2800; one Google
      account, listed as 333-333-3333 for K-OLD and 3333333333 for K-NEW.
  X1  (CAD) K-X SEARCH from Jan 1 at 2000 CAD, a Microsoft account billing in EUR;
      K-XS SEO Dec 2025 only, 500 CAD, invoiced Dec 20 (before the first CAD rate: Jan 1).
  Q1  K-Q SEO from Jan 1 at 1000: one invoice Jan 1 for Jan + Feb, one Mar 1 for Mar, Apr, May.
  B1  K-B SEO Jan only at 800 (cancelled); a Feb invoice reversed by a billing_error memo;
      a goodwill memo of 50 without a contract; 20 planned budget rows after the cancellation.
  N1  K-N SEARCH from Jan 1 at 3100 (Meta): Jan never invoiced, Feb media billed at 3050.
  P1  K-P1 SEARCH and K-P1S SOCIAL from Mar 1 (in contracts2026-03.csv): Google account in two
      formats with a re-pull whose coverage empties Mar 9; Meta act_5005 vs 5005; one account
      mapped to both contracts (ambiguous).
  E1  K-E SEO Nov 2025 only at 400, invoiced and paid: the first invoice (DSO history).
  G1  K-G SEARCH Feb only at 2000 (Meta): invoiced media 2000 + fee 200, reversed in full by a
      billing_error memo and issued again.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from tests.landing_builder import query, query_dicts, run_pipeline_ok, write_landing, write_table

AS_OF = "2026-03-15"

LANDING = {
    "clients": [
        {"client_id": c, "client_name": n, "oem": o, "country": k, "currency": cur}
        for c, n, o, k, cur in [
            ("R1", "Renew Ford", "Ford", "US", "USD"),
            ("X1", "Maple Honda", "Honda", "CA", "CAD"),
            ("Q1", "Quarter Kia", "Kia", "US", "USD"),
            ("B1", "Billing Toyota", "Toyota", "US", "USD"),
            ("N1", "Never Nissan", "Nissan", "US", "USD"),
            ("P1", "Pad Mazda", "Mazda", "US", "USD"),
            ("E1", "Early Buick", "Buick", "US", "USD"),
            ("G1", "Gamma GMC", "GMC", "US", "USD"),
        ]
    ],
    "products": [
        {"product_code": "SEARCH", "product_name": "Paid search", "product_line": "search", "pricing_model": "media"},
        {"product_code": "SOCIAL", "product_name": "Paid social", "product_line": "social", "pricing_model": "media"},
        {"product_code": "SEO", "product_name": "SEO", "product_line": "seo", "pricing_model": "flat"},
    ],
    "rate_card": [
        {"product_code": "SEARCH", "min_monthly_budget": "0", "fee_pct": "0.10"},
        {"product_code": "SOCIAL", "min_monthly_budget": "0", "fee_pct": "0.10"},
    ],
    "contracts": [
        {"contract_id": k, "client_id": c, "product_code": p, "start_date": s, "end_date": e}
        for k, c, p, s, e in [
            ("K-OLD", "R1", "SEARCH", "2026-01-01", "2026-01-31"),
            ("K-NEW", "R1", "SEARCH", "2026-02-01", ""),
            ("K-X", "X1", "SEARCH", "2026-01-01", ""),
            ("K-XS", "X1", "SEO", "2025-12-01", "2025-12-31"),
            ("K-Q", "Q1", "SEO", "2026-01-01", ""),
            ("K-B", "B1", "SEO", "2026-01-01", "2026-01-31"),
            ("K-N", "N1", "SEARCH", "2026-01-01", ""),
            ("K-E", "E1", "SEO", "2025-11-01", "2025-11-30"),
            ("K-G", "G1", "SEARCH", "2026-02-01", "2026-02-28"),
        ]
    ],
    "budget_schedule": [
        {"contract_id": k, "effective_date": d, "monthly_amount": a}
        for k, d, a in [
            ("K-OLD", "2026-01-01", "3100.00"),
            ("K-NEW", "2026-02-01", "2800.00"),
            ("K-X", "2026-01-01", "2000.00"),
            ("K-XS", "2025-12-01", "500.00"),
            ("K-Q", "2026-01-01", "1000.00"),
            ("K-B", "2026-01-01", "800.00"),
            ("K-N", "2026-01-01", "3100.00"),
            ("K-P1", "2026-03-01", "3100.00"),
            ("K-P1S", "2026-03-01", "1000.00"),
            ("K-E", "2025-11-01", "400.00"),
            ("K-G", "2026-02-01", "2000.00"),
        ]
    ],
    "ad_accounts": [
        {"platform": p, "account_id": a, "contract_id": k}
        for p, a, k in [
            ("google_ads", "333-333-3333", "K-OLD"),  # the renewal keeps its account,
            ("google_ads", "3333333333", "K-NEW"),  # written in another format
            ("microsoft_ads", "777", "K-X"),
            ("meta_ads", "6006", "K-N"),
            ("meta_ads", "8008", "K-G"),
            ("google_ads", "4444444444", "K-P1"),
            ("meta_ads", "act_5005", "K-P1S"),  # the pulls say 5005
            ("google_ads", "555-555-5555", "K-P1"),  # one account, two contracts active in March
            ("google_ads", "5555555555", "K-P1S"),
        ]
    ],
    "fx_rates": [
        {"rate_date": d, "currency": c, "usd_per_unit": r}
        for d, c, r in [
            ("2026-01-01", "CAD", "0.74"),
            ("2026-01-01", "EUR", "1.08"),
            ("2026-01-01", "MXN", "0.055"),
            ("2026-02-01", "CAD", "0.72"),
            ("2026-03-01", "CAD", "0.73"),
            ("2026-03-01", "CDN", "0.73"),  # not an ISO 4217 code: a row exception
        ]
    ],
    "invoices": [
        {"invoice_id": i, "client_id": c, "invoice_date": d, "due_date": due, "currency": cur, "total_amount": t}
        for i, c, d, due, cur, t in [
            ("INV-E1", "E1", "2025-11-01", "2025-12-01", "USD", "400.00"),
            ("INV-X0", "X1", "2025-12-20", "2026-01-19", "CAD", "500.00"),
            ("INV-R1", "R1", "2026-01-01", "2026-01-31", "USD", "3410.00"),
            ("INV-Q0", "Q1", "2026-01-01", "2026-01-31", "USD", "2000.00"),
            ("INV-B1", "B1", "2026-01-01", "2026-01-31", "USD", "800.00"),
            ("INV-R2", "R1", "2026-02-01", "2026-03-03", "USD", "3080.00"),
            ("INV-X1", "X1", "2026-02-01", "2026-03-03", "CAD", "2200.00"),
            ("INV-B2", "B1", "2026-02-01", "2026-03-03", "USD", "800.00"),
            ("INV-N2", "N1", "2026-02-01", "2026-03-03", "USD", "3360.00"),
            ("INV-Q1", "Q1", "2026-03-01", "2026-03-31", "USD", "3000.00"),
            ("INV-R3", "R1", "2026-03-01", "2026-03-31", "USD", "3080.00"),
            ("INV-P1", "P1", "2026-03-01", "2026-03-31", "USD", "3410.00"),
            ("INV-G1", "G1", "2026-02-01", "2026-03-03", "USD", "2200.00"),
            ("INV-G2", "G1", "2026-02-04", "2026-03-06", "USD", "2200.00"),
        ]
    ],
    "invoice_lines": [
        {"invoice_id": i, "line_no": n, "contract_id": k, "service_month": m, "line_type": t, "amount": a}
        for i, n, k, m, t, a in [
            ("INV-E1", 1, "K-E", "2025-11-01", "flat_fee", "400.00"),
            ("INV-X0", 1, "K-XS", "2025-12-01", "flat_fee", "500.00"),
            ("INV-R1", 1, "K-OLD", "2026-01-01", "media", "3100.00"),
            ("INV-R1", 2, "K-OLD", "2026-01-01", "management_fee", "310.00"),
            ("INV-Q0", 1, "K-Q", "2026-01-01", "flat_fee", "1000.00"),
            ("INV-Q0", 2, "K-Q", "2026-02-01", "flat_fee", "1000.00"),
            ("INV-B1", 1, "K-B", "2026-01-01", "flat_fee", "800.00"),
            ("INV-R2", 1, "K-NEW", "2026-02-01", "media", "2800.00"),
            ("INV-R2", 2, "K-NEW", "2026-02-01", "management_fee", "280.00"),
            ("INV-X1", 1, "K-X", "2026-02-01", "media", "2000.00"),
            ("INV-X1", 2, "K-X", "2026-02-01", "management_fee", "200.00"),
            ("INV-B2", 1, "K-B", "2026-02-01", "flat_fee", "800.00"),
            ("INV-N2", 1, "K-N", "2026-02-01", "media", "3050.00"),
            ("INV-N2", 2, "K-N", "2026-02-01", "management_fee", "310.00"),
            ("INV-Q1", 1, "K-Q", "2026-03-01", "flat_fee", "1000.00"),  # quarterly in advance
            ("INV-Q1", 2, "K-Q", "2026-04-01", "flat_fee", "1000.00"),
            ("INV-Q1", 3, "K-Q", "2026-05-01", "flat_fee", "1000.00"),
            ("INV-R3", 1, "K-NEW", "2026-03-01", "media", "2800.00"),
            ("INV-R3", 2, "K-NEW", "2026-03-01", "management_fee", "280.00"),
            ("INV-P1", 1, "K-P1", "2026-03-01", "media", "3100.00"),
            ("INV-P1", 2, "K-P1", "2026-03-01", "management_fee", "310.00"),
            ("INV-G1", 1, "K-G", "2026-02-01", "media", "2000.00"),
            ("INV-G1", 2, "K-G", "2026-02-01", "management_fee", "200.00"),
            ("INV-G2", 1, "K-G", "2026-02-01", "media", "2000.00"),
            ("INV-G2", 2, "K-G", "2026-02-01", "management_fee", "200.00"),
        ]
    ],
    "payments": [
        {"payment_id": p, "client_id": c, "payment_date": d, "amount": a, "method": "ach"}
        for p, c, d, a in [
            ("P-E1", "E1", "2025-11-20", "400.00"),
            ("P-R1", "R1", "2026-01-20", "3410.00"),
            ("P-Q0", "Q1", "2026-01-15", "2000.00"),
            ("P-B1", "B1", "2026-01-25", "800.00"),
        ]
    ],
    "payment_applications": [
        {"payment_id": p, "invoice_id": i, "amount_applied": a}
        for p, i, a in [
            ("P-E1", "INV-E1", "400.00"),
            ("P-R1", "INV-R1", "3410.00"),
            ("P-Q0", "INV-Q0", "2000.00"),
            ("P-B1", "INV-B1", "800.00"),
        ]
    ],
    "credit_memos": [
        {
            "credit_memo_id": "CM-B2",
            "client_id": "B1",
            "contract_id": "K-B",
            "service_month": "2026-02-01",
            "memo_date": "2026-02-05",
            "amount": "800.00",
            "reason": "billing_error",
            "applied_invoice_id": "INV-B2",
        },
        {
            "credit_memo_id": "CM-G1",
            "client_id": "G1",
            "contract_id": "K-G",
            "service_month": "2026-02-01",
            "memo_date": "2026-02-03",
            "amount": "2200.00",
            "reason": "billing_error",
            "applied_invoice_id": "INV-G1",
        },
        {
            "credit_memo_id": "CM-B3",
            "client_id": "B1",
            "memo_date": "2026-03-02",
            "amount": "50.00",
            "reason": "goodwill",
        },
        {
            "credit_memo_id": "CM-N1",
            "client_id": "N1",
            "contract_id": "K-N",
            "service_month": "2026-02-01",
            "memo_date": "2026-03-05",
            "amount": "30.00",
            "reason": "underspend",
        },
    ],
}


def _google(day: str, account: str, campaign: str, amount: int, extracted: str) -> dict:
    return {
        "segments_date": day,
        "customer_id": account,
        "customer_currency_code": "USD",
        "customer_time_zone": "America/New_York",
        "campaign_id": campaign,
        "campaign_name": campaign,
        "metrics_cost_micros": amount * 1_000_000,
        "metrics_impressions": 10,
        "metrics_clicks": 1,
        "extracted_at": extracted,
    }


def _meta(day: str, account: str, amount: str) -> dict:
    return {
        "date_start": day,
        "account_id": account,
        "account_currency": "USD",
        "campaign_id": "S1",
        "campaign_name": "S1",
        "spend": amount,
        "impressions": 10,
        "clicks": 1,
        "extracted_at": "2026-03-13T02:00:00Z",
    }


PULL_A, PULL_B, PULL_C = "2026-03-10T02:00:00Z", "2026-03-12T02:00:00Z", "2026-03-13T02:00:00Z"


def build_landing(landing: Path) -> Path:
    write_landing(landing, {k: v for k, v in LANDING.items() if k != "contracts"})
    contracts = LANDING["contracts"]
    write_table(landing, "contracts", contracts)
    # A file name glued to the table name still belongs to the table (SPEC 5).
    write_table(
        landing,
        "contracts",
        [
            {"contract_id": "K-P1", "client_id": "P1", "product_code": "SEARCH", "start_date": "2026-03-01"},
            {"contract_id": "K-P1S", "client_id": "P1", "product_code": "SOCIAL", "start_date": "2026-03-01"},
        ],
        "contracts2026-03.csv",
    )
    # Planned budget changes the cancellation of K-B (Jan 31) overtook: 20 rows, all after its end.
    write_table(
        landing,
        "budget_schedule",
        [
            {"contract_id": "K-B", "effective_date": f"2026-02-{d:02d}", "monthly_amount": "900.00"}
            for d in range(1, 21)
        ],
        "budget_schedule_planned.csv",
    )
    write_table(
        landing,
        "google_ads",
        [
            _google("2026-03-08", "444-444-4444", "C1", 300, PULL_A),
            _google("2026-03-09", "444-444-4444", "C1", 400, PULL_A),
        ],
        "pull_a.csv",
    )
    write_table(landing, "google_ads", [_google("2026-03-08", "4444444444", "C1", 250, PULL_B)], "pull_b.csv")
    write_table(
        landing,
        "ad_coverage",
        [
            {
                "platform": "google_ads",
                "account_id": "4444444444",
                "start_date": "2026-03-06",
                "end_date": "2026-03-11",
                "extracted_at": PULL_B,
            },
        ],
        "google_ads/pull_b.coverage.csv",
    )
    write_table(
        landing,
        "google_ads",
        [
            _google("2026-03-12", "4444444444", "C1", 100, PULL_C),
            _google("2026-03-04", "5555555555", "C9", 75, PULL_C),
            _google("2026-01-15", "333-333-3333", "R", 1000, PULL_C),
            _google("2026-02-10", "3333333333", "R", 2000, PULL_C),
            _google("2026-03-05", "3333333333", "R", 500, PULL_C),
        ],
        "pull_c.csv",
    )
    write_table(
        landing,
        "meta_ads",
        [
            _meta("2026-03-03", "5005", "200.00"),
            _meta("2026-01-10", "6006", "1000.00"),
            _meta("2026-02-20", "6006", "3000.00"),
            _meta("2026-02-15", "8008", "1500.00"),
        ],
        "meta.csv",
    )
    write_table(
        landing,
        "microsoft_ads",
        [
            {
                "TimePeriod": "2026-02-10",
                "AccountId": "777",
                "CurrencyCode": "EUR",
                "CampaignId": "M1",
                "CampaignName": "M1",
                "Spend": "100.00",
                "Impressions": 10,
                "Clicks": 1,
                "extracted_at": "2026-03-13T02:00:00Z",
            },
        ],
        "msads.csv",
    )
    (landing / "contracting" / "readme.txt").write_text("exports of 2026-03\n")
    (landing / "notes").mkdir()
    (landing / "notes" / "todo.csv").write_text("a,b\n1,2\n")
    return landing


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("real_exports")
    landing = build_landing(base / "landing")
    warehouse = base / "revwh.duckdb"
    run_pipeline_ok(landing, warehouse, AS_OF)
    return warehouse


def _by(rows: list[dict], *keys: str) -> dict:
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows}


def test_renewal_and_id_formats_attribute_spend_by_day(wh: Path) -> None:
    spend = query(
        wh,
        """select account_id, spend_date, contract_id, spend, is_contract_active
                         from marts.fct_ad_spend_daily where account_id in ('3333333333', '4444444444', '5005')
                         order by account_id, spend_date""",
    )
    assert spend == [
        # one Google account, two formats, two contracts: each day goes to the one active that day
        ("3333333333", date(2026, 1, 15), "K-OLD", D("1000.00"), True),
        ("3333333333", date(2026, 2, 10), "K-NEW", D("2000.00"), True),
        ("3333333333", date(2026, 3, 5), "K-NEW", D("500.00"), True),
        # 444-444-4444 (pull A) and 4444444444 (pull B) are one account: B restates Mar 8 (250, not
        # 300 + 250); B's coverage (Mar 6-11) has no row for Mar 9, so pull A's 400 is gone
        ("4444444444", date(2026, 3, 8), "K-P1", D("250.00"), True),
        ("4444444444", date(2026, 3, 12), "K-P1", D("100.00"), True),
        ("5005", date(2026, 3, 3), "K-P1S", D("200.00"), True),  # ad_accounts says act_5005
    ]
    pacing = {r["contract_id"]: r for r in query_dicts(wh, "select * from marts.budget_pacing")}
    # K-NEW: expected 2800 x 15 / 31 = 1354.838 -> 1354.84; 500 / 1354.84 = 0.36904 -> 0.3690;
    # projected 500 / 15 x 31 = 1033.333 -> 1033.33
    assert (
        pacing["K-NEW"]["expected_to_date"],
        pacing["K-NEW"]["spend_to_date"],
        pacing["K-NEW"]["pacing_ratio"],
        pacing["K-NEW"]["projected_month_spend"],
        pacing["K-NEW"]["pacing_status"],
    ) == (D("1354.84"), D("500.00"), D("0.3690"), D("1033.33"), "under")
    # K-P1: expected 3100 x 15 / 31 = 1500.00; spend 250 + 100 = 350; 350 / 1500 = 0.2333
    assert (pacing["K-P1"]["expected_to_date"], pacing["K-P1"]["spend_to_date"], pacing["K-P1"]["pacing_ratio"]) == (
        D("1500.00"),
        D("350.00"),
        D("0.2333"),
    )
    assert "K-OLD" not in pacing  # ended in January


def test_one_account_mapped_to_two_active_contracts_is_an_exception(wh: Path) -> None:
    row = query_dicts(wh, "select * from marts.fct_ad_spend_daily where account_id = '5555555555'")[0]
    assert (row["contract_id"], row["spend"], row["is_contract_active"]) == (None, D("75.00"), False)
    exc = query_dicts(wh, "select * from marts.data_exceptions where exception_type = 'ambiguous_account_mapping'")
    assert [(e["source"], e["source_file"], e["line_number"]) for e in exc] == [
        ("google_ads", "ads/google_ads/pull_c.csv", 3)
    ]
    assert "K-P1, K-P1S" in exc[0]["reason"] and "2026-03-04" in exc[0]["reason"]


def test_several_currencies_convert_and_a_non_iso_code_is_a_row_exception(wh: Path) -> None:
    row = query_dicts(wh, "select * from marts.fct_ad_spend_daily where account_id = '777'")[0]
    # 100 EUR x 1.08 = 108.00 USD; in the client's CAD: 108 / 0.72 (Feb 1 rate) = 150.00
    assert (row["spend"], row["currency"], row["spend_usd"], row["account_currency"]) == (
        D("150.00"),
        "CAD",
        D("108.00"),
        "EUR",
    )
    counts = _by(query_dicts(wh, "select * from marts.product_client_counts where product_code = 'SEARCH'"), "month")
    # Jan: K-OLD 1000 + 310 + K-N 1000 + 310 + K-X fee 200 CAD x 0.74 (Jan 31 rate) = 148.00 -> 2768.00
    assert counts[date(2026, 1, 1)]["recognized_revenue_usd"] == D("2768.00")
    # Feb: K-NEW 2000 + 280 + K-N 3000 + 310 + K-G 1500 + 200 + K-X (150 + 200) CAD x 0.72 = 252.00
    # -> 7542.00
    assert counts[date(2026, 2, 1)]["recognized_revenue_usd"] == D("7542.00")
    ar = _by(query_dicts(wh, "select * from marts.ar_aging"), "invoice_id")
    # INV-X1 2200 CAD x 0.72 (its date's rate) = 1584.00; due Mar 3 -> 12 days
    assert (ar["INV-X1"]["open_amount_usd"], ar["INV-X1"]["days_past_due"], ar["INV-X1"]["aging_bucket"]) == (
        D("1584.00"),
        12,
        "1-30",
    )
    cdn = query_dicts(
        wh, "select * from marts.data_exceptions where source = 'fx_rates' and exception_type = 'quarantined_row'"
    )
    assert len(cdn) == 1 and "expected an ISO 4217 currency code, got 'CDN'" in cdn[0]["reason"]


def test_missing_rate_is_an_exception_and_never_silent(wh: Path) -> None:
    ar = _by(query_dicts(wh, "select * from marts.ar_aging"), "invoice_id")
    # INV-X0: 500 CAD dated Dec 20, before the first CAD rate (Jan 1): open, no USD figure
    assert (ar["INV-X0"]["open_amount"], ar["INV-X0"]["open_amount_usd"], ar["INV-X0"]["aging_bucket"]) == (
        D("500.00"),
        None,
        "31-60",
    )  # due Jan 19 -> 55 days
    missing = query(
        wh,
        """select source, source_file, line_number, reason from marts.data_exceptions
                           where exception_type = 'missing_fx_rate' order by source""",
    )
    assert [(s, f, n) for s, f, n, _r in missing] == [
        ("fx_rates", None, None),  # K-XS's December figures convert at Dec 31
        ("invoices", "accounting/invoices.csv", 3),
    ]
    assert missing[0][3].startswith("no CAD rate on or before 2025-12-31 (first CAD rate 2026-01-01)")
    assert missing[1][3].startswith("no CAD rate on or before 2025-12-20 (first CAD rate 2026-01-01): invoice INV-X0")
    # SEO December: K-XS 500 CAD has no rate: left out of the USD figure, not turned into 0 silently
    seo = query(
        wh,
        "select recognized_revenue_usd from marts.product_client_counts "
        "where product_code = 'SEO' and month = '2025-12-01'",
    )
    assert seo == [(D("0.00"),)]


def test_file_names_and_files_that_belong_to_no_table(wh: Path) -> None:
    files = dict(query(wh, "select source_file, status from raw._files"))
    assert files["contracting/contracts2026-03.csv"] == "loaded"
    assert files["ads/google_ads/pull_b.coverage.csv"] == "loaded"
    assert files["contracting/readme.txt"] == "not_loaded"
    assert files["notes/todo.csv"] == "not_loaded"
    reasons = dict(
        query(wh, "select source_file, reason from marts.data_exceptions where exception_type = 'file_not_loaded'")
    )
    assert reasons["contracting/readme.txt"] == "not a .csv or .parquet file"
    assert reasons["notes/todo.csv"].startswith("not in a landing folder")


def test_billing_ahead_expects_every_month_an_invoice_names(wh: Path) -> None:
    findings = query(
        wh,
        """select contract_id, service_month, finding, expected_amount, invoiced_amount,
                                   credited_amount, resolved_by
                            from marts.billing_reconciliation order by contract_id, service_month""",
    )
    assert findings == [
        # K-B cancelled Jan 31, billed for Feb, reversed by a billing_error memo: kept, resolved
        ("K-B", date(2026, 2, 1), "billed_after_cancellation", D("0.00"), D("800.00"), D("800.00"), "CM-B2"),
        # K-G billed twice (INV-G1 reversed by CM-G1, INV-G2 issued again): 4400 - 2200 = 2200 expected
        ("K-G", date(2026, 2, 1), "amount_mismatch", D("2200.00"), D("4400.00"), D("2200.00"), "CM-G1"),
        ("K-N", date(2026, 1, 1), "missing_invoice", D("3410.00"), D("0.00"), D("0.00"), None),  # 3100 + 310
        ("K-N", date(2026, 2, 1), "amount_mismatch", D("3410.00"), D("3360.00"), D("0.00"), None),
        ("K-N", date(2026, 3, 1), "missing_invoice", D("3410.00"), D("0.00"), D("0.00"), None),
        ("K-P1S", date(2026, 3, 1), "missing_invoice", D("1100.00"), D("0.00"), D("0.00"), None),  # 1000 + 100
        ("K-X", date(2026, 1, 1), "missing_invoice", D("2200.00"), D("0.00"), D("0.00"), None),  # 2000 + 200 CAD
        ("K-X", date(2026, 3, 1), "missing_invoice", D("2200.00"), D("0.00"), D("0.00"), None),
        # K-Q's Apr and May (INV-Q1, quarterly in advance) are expected at 1000: no finding
    ]


def test_underspend_credit_due_is_capped_by_what_was_billed(wh: Path) -> None:
    u = {
        (r["contract_id"], r["month"].isoformat()[:7]): (
            r["underspend"],
            r["billed_media"],
            r["credit_due"],
            r["credits_issued"],
            r["outstanding_liability"],
        )
        for r in query_dicts(wh, "select * from marts.underspend_credits")
    }
    assert u == {
        # underspend = billable - delivered; credit_due = min(underspend, max(0, billed media - delivered))
        ("K-OLD", "2026-01"): (D("2100.00"), D("3100.00"), D("2100.00"), D("0.00"), D("2100.00")),  # 3100 - 1000
        ("K-NEW", "2026-02"): (D("800.00"), D("2800.00"), D("800.00"), D("0.00"), D("800.00")),  # 2800 - 2000
        ("K-X", "2026-01"): (D("2000.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00")),  # never billed
        ("K-X", "2026-02"): (D("1850.00"), D("2000.00"), D("1850.00"), D("0.00"), D("1850.00")),  # 2000 - 150 CAD
        ("K-N", "2026-01"): (D("2100.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00")),  # never billed
        # K-G: media lines 4000 less CM-G1's media share 2200 x 4000 / 4400 = 2000 -> billed media 2000;
        # delivered 1500 -> min(500, 2000 - 1500) = 500 (memo off media first would give 1800 -> 300)
        ("K-G", "2026-02"): (D("500.00"), D("2000.00"), D("500.00"), D("0.00"), D("500.00")),
        # Feb: billable 3100, delivered 3000 -> underspend 100; billed 3050 -> min(100, 50) = 50; memo 30
        ("K-N", "2026-02"): (D("100.00"), D("3050.00"), D("50.00"), D("30.00"), D("20.00")),
    }


def test_net_billings_and_positions(wh: Path) -> None:
    rr = {
        (r["contract_id"], r["month"].isoformat()[:7]): (
            r["billed"],
            r["recognized_total"],
            r["underspend_credit_due"],
            r["deferred_revenue"],
            r["unbilled_revenue"],
        )
        for r in query_dicts(wh, "select * from marts.revenue_recognition")
    }
    # K-B Feb: 800 billed after the cancellation less the 800 billing_error memo: nothing deferred
    assert rr[("K-B", "2026-02")] == (D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"))
    # B1's goodwill memo without a contract: a client-level row in the memo's month, billed and
    # recognized both -50 (SPEC 6): never unbilled revenue
    assert rr[(None, "2026-03")] == (D("-50.00"), D("-50.00"), D("0.00"), D("0.00"), D("0.00"))
    # K-Q billed in advance: Mar 1000 - 1000 x 15 / 31 (483.87) = 516.13; Apr and May 1000 each
    assert rr[("K-Q", "2026-03")] == (D("1000.00"), D("483.87"), D("0.00"), D("516.13"), D("0.00"))
    assert rr[("K-Q", "2026-05")] == (D("1000.00"), D("0.00"), D("0.00"), D("1000.00"), D("0.00"))
    # K-N Jan never invoiced: recognized 1000 + 310 = 1310, no credit due -> unbilled 1310
    assert rr[("K-N", "2026-01")] == (D("0.00"), D("1310.00"), D("0.00"), D("0.00"), D("1310.00"))
    # K-G Feb: 4400 - 2200 (CM-G1) = 2200 billed - (1500 + 200) - 500 = 0
    assert rr[("K-G", "2026-02")] == (D("2200.00"), D("1700.00"), D("500.00"), D("0.00"), D("0.00"))
    # K-N Feb: 3360 - (3000 + 310) - 50 = 0
    assert rr[("K-N", "2026-02")] == (D("3360.00"), D("3310.00"), D("50.00"), D("0.00"), D("0.00"))
    # K-OLD Jan: 3410 - 1310 - 2100 = 0; K-NEW Mar: 3080 - (500 + 280 x 15 / 31 = 135.48) = 2444.52
    assert rr[("K-OLD", "2026-01")] == (D("3410.00"), D("1310.00"), D("2100.00"), D("0.00"), D("0.00"))
    assert rr[("K-NEW", "2026-03")] == (D("3080.00"), D("635.48"), D("0.00"), D("2444.52"), D("0.00"))
    # K-P1 Mar: 3410 - (350 + 310 x 15 / 31 = 150.00) = 2910.00 deferred;
    # K-P1S Mar not billed: 200 + 100 x 15 / 31 = 48.39 -> 248.39 unbilled
    assert rr[("K-P1", "2026-03")] == (D("3410.00"), D("500.00"), D("0.00"), D("2910.00"), D("0.00"))
    assert rr[("K-P1S", "2026-03")] == (D("0.00"), D("248.39"), D("0.00"), D("0.00"), D("248.39"))


def test_rollforward_ties_to_revenue_recognition(wh: Path) -> None:
    rf = {
        (r["client_id"], r["month"].isoformat()[:7]): (
            r["opening"],
            r["billings"],
            r["recognized"],
            r["underspend_credits"],
            r["closing"],
            r["closing_deferred"],
            r["closing_unbilled"],
        )
        for r in query_dicts(wh, "select * from marts.deferred_revenue_rollforward")
    }
    # P1, March: 0 + 3410 - (500 + 248.39) - 0 = 2661.61 = 2910.00 deferred - 248.39 unbilled
    assert rf[("P1", "2026-03")] == (
        D("0.00"),
        D("3410.00"),
        D("748.39"),
        D("0.00"),
        D("2661.61"),
        D("2910.00"),
        D("248.39"),
    )
    # R1: Jan 3410 - 1310 - 2100 = 0; Feb 3080 - 2280 - 800 = 0; Mar 3080 - 635.48 = 2444.52
    assert rf[("R1", "2026-01")] == (
        D("0.00"),
        D("3410.00"),
        D("1310.00"),
        D("2100.00"),
        D("0.00"),
        D("0.00"),
        D("0.00"),
    )
    assert rf[("R1", "2026-03")] == (
        D("0.00"),
        D("3080.00"),
        D("635.48"),
        D("0.00"),
        D("2444.52"),
        D("2444.52"),
        D("0.00"),
    )
    # N1: Jan 0 - 1310 = -1310; Feb +3360 - 3310 - 50 = -1310; Mar -150.00 (310 x 15 / 31) = -1460
    assert rf[("N1", "2026-02")] == (
        D("-1310.00"),
        D("3360.00"),
        D("3310.00"),
        D("50.00"),
        D("-1310.00"),
        D("0.00"),
        D("1310.00"),
    )
    assert rf[("N1", "2026-03")] == (
        D("-1310.00"),
        D("0.00"),
        D("150.00"),
        D("0.00"),
        D("-1460.00"),
        D("0.00"),
        D("1460.00"),
    )
    # B1: Feb 800 - 800 (billing_error) = 0; Mar goodwill -50 without a contract reduces billings and
    # revenue alike (SPEC 6): closing 0
    assert rf[("B1", "2026-02")][1] == D("0.00")
    assert rf[("B1", "2026-03")] == (D("0.00"), D("-50.00"), D("-50.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"))
    # X1 (CAD): Dec 500 - 500 = 0; Jan -200 (fee, not billed); Feb 2200 - 350 - 1850 = 0; Mar -96.77
    assert rf[("X1", "2026-03")] == (
        D("-200.00"),
        D("0.00"),
        D("96.77"),
        D("0.00"),
        D("-296.77"),
        D("0.00"),
        D("296.77"),
    )
    # Q1: Jan 2000 - 1000 = 1000 (Feb billed ahead); Feb -1000 -> 0; Mar 3000 - 483.87 = 2516.13
    assert rf[("Q1", "2026-01")][4] == D("1000.00")
    assert rf[("Q1", "2026-03")] == (
        D("0.00"),
        D("3000.00"),
        D("483.87"),
        D("0.00"),
        D("2516.13"),
        D("2516.13"),
        D("0.00"),
    )
    # For every client at T: the two sides are revenue_recognition's sums
    untied = query(
        wh,
        """
        select f.client_id from marts.deferred_revenue_rollforward f
        join (select client_id, sum(deferred_revenue) d, sum(unbilled_revenue) u
              from marts.revenue_recognition group by 1) r on r.client_id = f.client_id
        where f.month = '2026-03-01' and (f.closing_deferred <> r.d or f.closing_unbilled <> r.u)""",
    )
    assert untied == []


def test_budget_rows_after_a_cancellation_warn_and_change_nothing(wh: Path) -> None:
    # 20 of 20 rows of budget_schedule_planned.csv are after K-B's end: the run published (fixture)
    # and K-B's January is still billed at 800
    assert query(wh, "select billable_amount from intermediate.int_contract_months where contract_id = 'K-B'") == [
        (D("800.00"),)
    ]


def test_dso_is_empty_until_90_days_of_billing_history(wh: Path) -> None:
    dso = {r["month"].isoformat()[:7]: r["dso_days"] for r in query_dicts(wh, "select * from marts.ar_dso")}
    # first invoice Nov 1: Nov 30 has 30 days of history, Dec 31 61 -> empty; Jan 31 has 92.
    # Jan 31: AR 0 (INV-X0 has no rate; the rest is paid) / billings Nov 3 - Jan 31 6210.00 -> 0.0
    assert (dso["2025-11"], dso["2025-12"], dso["2026-01"]) == (None, None, D("0.0"))


def test_run_summary_names_files_not_loaded_and_missing_rates(wh: Path) -> None:
    from orchestration.run.summary import run_summary

    lines = run_summary(wh).splitlines()
    assert "Files not loaded (2) (docs/landing-contract.md):" in lines
    assert "  contracting/readme.txt: not a .csv or .parquet file" in lines
    # the earliest day a CAD rate is needed: INV-X0's date; two amounts left out (INV-X0, K-XS Dec)
    assert (
        "Missing FX rates: no CAD rate on or before 2025-12-20; 2 amount(s) left out of USD figures"
        " (exception missing_fx_rate): add CAD rates to fx/ and run again"
    ) in lines
