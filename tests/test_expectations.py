"""The Great Expectations gate: each kind of rule on a small batch, with the exact outcome.

Each case states which rule fails, on which rows (file and row number as landed), and with which
severity: warning (isolated rows, quarantined or flagged) or error (structural, or systemic:
more than 10% of a batch of 20+ rows), which blocks the run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from expectations import build_suites
from expectations.cross_checks import CROSS_TABLES, cross_check
from expectations.results import BatchResult, Failure
from expectations.runner import load_suite, suite_tables, validate_batch
from ingest.contract import TABLES, TABLES_BY_NAME
from ingest.reader import FileRejected, read_landing_file

T = date(2026, 10, 15)
CORPUS = Path(__file__).parent / "bad_landing"

# One clean row per landed table, consistent across tables (C001, K001, INV-001, ...).
CLEAN: dict[str, dict[str, str | None]] = {
    "google_ads": {
        "segments_date": "2026-10-14", "customer_id": "1112223333", "customer_currency_code": "USD",
        "customer_time_zone": "America/New_York", "campaign_id": "11", "campaign_name": "Brand",
        "metrics_cost_micros": "12500000", "metrics_impressions": "1000", "metrics_clicks": "40",
        "extracted_at": "2026-10-15T02:00:00Z",
    },
    "meta_ads": {
        "date_start": "2026-10-14", "account_id": "999", "account_currency": "CAD", "campaign_id": "5",
        "campaign_name": "Fall event", "spend": "200.00", "impressions": "5000", "clicks": "90",
        "extracted_at": "2026-10-15T02:00:00Z",
    },
    "microsoft_ads": {
        "TimePeriod": "2026-10-14", "AccountId": "888", "CurrencyCode": "USD", "CampaignId": "9",
        "CampaignName": "Search", "Spend": "1650.00", "Impressions": "700", "Clicks": "30",
        "extracted_at": "2026-10-15T02:00:00Z",
    },
    "clients": {
        "client_id": "C001", "client_name": "Hyundai Québec", "oem": "Hyundai", "country": "CA",
        "currency": "CAD", "billing_email": "billing@hyundai-quebec.example",
    },
    "products": {"product_code": "SEARCH", "product_name": "Paid search", "product_line": "search",
                 "pricing_model": "media"},
    "oem_programs": {"program_code": "HCOOP", "oem": "Hyundai", "coop_share_pct": "0.50", "monthly_cap": "1000.00",
                     "eligible_products": "SEARCH|SOCIAL"},
    "contracts": {"contract_id": "K001", "client_id": "C001", "product_code": "SEARCH", "program_code": "HCOOP",
                  "start_date": "2026-09-16", "end_date": None},
    "budget_schedule": {"contract_id": "K001", "effective_date": "2026-09-16", "monthly_amount": "3000.00"},
    "rate_card": {"product_code": "SEARCH", "min_monthly_budget": "0.00", "max_monthly_budget": "5000.00",
                  "fee_pct": "0.15"},
    "client_discounts": {"client_id": "C001", "product_code": "SEARCH", "discount_pct": "0.10",
                         "effective_from": "2026-01-01", "effective_to": None},
    "ad_accounts": {"platform": "google_ads", "account_id": "1112223333", "contract_id": "K001"},
    "invoices": {"invoice_id": "INV-001", "client_id": "C001", "invoice_date": "2026-10-01",
                 "due_date": "2026-10-31", "currency": "CAD", "total_amount": "3450.00"},
    "invoice_lines": {"invoice_id": "INV-001", "line_no": "1", "contract_id": "K001", "service_month": "2026-10-01",
                      "line_type": "media", "amount": "3000.00"},
    "credit_memos": {"credit_memo_id": "CM-001", "client_id": "C001", "contract_id": "K001",
                     "service_month": "2026-09-01", "memo_date": "2026-10-05", "amount": "120.50",
                     "reason": "underspend", "applied_invoice_id": "INV-001"},
    "payments": {"payment_id": "P001", "client_id": "C001", "payment_date": "2026-10-10", "amount": "3450.00",
                 "method": "ach", "reference": "ACH-77"},
    "payment_applications": {"payment_id": "P001", "invoice_id": "INV-001", "amount_applied": "3450.00"},
    "write_offs": {"invoice_id": "INV-001", "write_off_date": "2026-10-12", "amount": "0.50", "reason": "rounding"},
    "fx_rates": {"rate_date": "2026-10-14", "currency": "CAD", "usd_per_unit": "0.731200"},
    "client_events": {"client_id": "C001", "event_date": "2026-10-01", "event_type": "ownership_change"},
    "ledger_items": {"item_name": "Paid search media", "product_code": "SEARCH", "line_type": "media"},
    "qbo_balances": {"doc_type": "invoice", "doc_id": "INV-001", "client_id": "C001", "currency": "CAD",
                     "balance": "3450.00", "pulled_at": "2026-10-15T02:00:00Z"},
    "ad_coverage": {"platform": "google_ads", "account_id": "1112223333", "start_date": "2026-10-08",
                    "end_date": "2026-10-14", "extracted_at": "2026-10-15T02:00:00Z"},
}


def frame(table: str, *rows: dict[str, str | None], file: str | None = None, start: int = 1) -> pd.DataFrame:
    """Rows of `table` as the loader lands them: every column text, plus file and row number.
    Each row is the clean row of the table with the given values replaced."""
    data = [{**CLEAN[table], **r} for r in rows]
    df = pd.DataFrame(data, columns=list(TABLES_BY_NAME[table].columns), dtype=object)
    df = df.astype(object).where(df.notna(), None)
    df["_source_file"] = file or f"{TABLES_BY_NAME[table].folder}/{table}.csv"
    df["_row_number"] = range(start, start + len(df))
    return df


def rows_of(failure: Failure) -> list[int]:
    return [e["row_number"] for e in failure.examples]


def outcome(result: BatchResult) -> list[tuple[str, str, list[int]]]:
    """(severity, rule, rows) of every failure, errors first."""
    return [(f.severity, f.rule, rows_of(f)) for f in result.errors + result.warnings]


# -- the suites themselves -------------------------------------------------------------------
def test_every_landed_table_has_a_suite_of_its_landing_contract() -> None:
    assert suite_tables() == sorted(t.name for t in TABLES)
    for t in TABLES:
        suite = load_suite(t.name)
        assert suite["name"] == f"raw.{t.name}"
        assert suite["meta"]["columns"] == list(t.columns)
        present = [e["kwargs"]["column"] for e in suite["expectations"] if e["type"] == "expect_column_to_exist"]
        assert present == list(t.columns)


def test_every_expectation_has_a_severity_and_row_rules_come_in_pairs() -> None:
    for table in suite_tables():
        by_rule: dict[str, list[dict]] = {}
        for e in load_suite(table)["expectations"]:
            meta = e["meta"]
            assert meta["severity"] in ("error", "warning"), (table, e)
            assert e["severity"] == {"error": "critical", "warning": "warning"}[meta["severity"]]
            by_rule.setdefault(meta["rule"], []).append(e)
        for rule, copies in by_rule.items():
            kinds = sorted(c["meta"]["kind"] for c in copies)
            assert kinds in (["structural"], ["row", "threshold"]), (table, rule, kinds)
            for c in copies:
                expected_mostly = 0.9 if c["meta"]["kind"] == "threshold" else None
                assert c["kwargs"].get("mostly") == expected_mostly, (table, rule)
            if kinds == ["row", "threshold"]:
                row, threshold = sorted(copies, key=lambda c: c["meta"]["kind"])
                assert {k: v for k, v in threshold["kwargs"].items() if k != "mostly"} == row["kwargs"]


def test_suite_files_are_generated_from_build_suites() -> None:
    assert build_suites.main(["--check"]) == 0, "run: .venv/bin/python -m expectations.build_suites"


def test_suite_files_load_into_great_expectations() -> None:
    import great_expectations as gx

    for table in suite_tables():
        stored = load_suite(table)
        suite = gx.ExpectationSuite(name=stored["name"], expectations=stored["expectations"], meta=stored["meta"])
        assert len(suite.expectations) == len(stored["expectations"])


def test_date_pattern_accepts_exactly_the_real_calendar_dates() -> None:
    pattern = re.compile(build_suites.DATE)
    day = date(1999, 1, 1)
    while day <= date(2032, 12, 31):
        assert pattern.search(day.isoformat()), day
        day += timedelta(days=1)
    for text in ("2026-02-29", "2026-02-30", "2026-04-31", "2026-13-01", "2026-00-10", "2100-02-29",
                 "01/02/2026", "2026-1-5", "20261001", "2026-10-01T00:00"):
        assert not pattern.search(text), text
    assert pattern.search("2000-02-29") and pattern.search("2028-02-29") and pattern.search(" 2026-10-01 ")


# -- clean batches ----------------------------------------------------------------------------
@pytest.mark.parametrize("table", sorted(CLEAN))
def test_a_clean_row_of_every_table_passes(table: str) -> None:
    result = validate_batch(table, frame(table, {}), as_of=T)
    assert (result.success, result.errors, result.warnings, result.evaluated_rows) == (True, [], [], 1)


def test_an_empty_batch_passes_without_running_gx() -> None:
    result = validate_batch("write_offs", frame("write_offs").iloc[0:0], as_of=T)
    assert (result.success, result.evaluated_rows, result.errors, result.warnings) == (True, 0, [], [])


def test_results_hold_no_gx_types_and_serialize_to_json() -> None:
    result = validate_batch("clients", frame("clients", {"currency": "CDN"}, {"client_id": "C002"}), as_of=T)
    text = json.dumps(asdict(result))
    assert "great_expectations" not in text
    assert type(result).__module__ == "expectations.results"
    assert result.warnings[0].examples == [
        {"source_file": "contracting/clients.csv", "row_number": 1, "value": "CDN"}
    ]


# -- structural rules: always errors ----------------------------------------------------------
def test_a_missing_column_is_an_error_and_rules_on_it_are_not_run() -> None:
    df = frame("contracts", {}, {"contract_id": "K002"}).drop(columns=["end_date"])
    result = validate_batch("contracts", df, as_of=T)
    assert not result.success
    assert outcome(result) == [("error", "present:end_date", [])]
    assert result.errors[0].expectation == "expect_column_to_exist"
    assert result.errors[0].message == (
        "contracting/contracts.csv: column end_date is missing; expected column end_date present (landing contract)"
    )


def test_a_key_column_empty_in_every_row_is_an_error_even_in_a_small_file() -> None:
    df = frame("payments", *({"payment_id": None, "reference": f"r{i}"} for i in range(3)))
    result = validate_batch("payments", df, as_of=T)
    assert not result.success
    assert [(f.rule, f.severity) for f in result.errors] == [("not_all_empty:payment_id", "error")]
    assert result.errors[0].message == (
        "accounting/payments.csv: column payment_id is empty in all 3 rows; expected key column payment_id filled"
        " in at least one row"
    )
    # the rows themselves are also reported (staging quarantines them)
    assert outcome(result)[1:] == [("warning", "required:payment_id", [1, 2, 3])]


# -- row rules: warnings naming file, row and column ---------------------------------------------
def test_required_value_missing() -> None:
    result = validate_batch("invoices", frame("invoices", {}, {"invoice_id": "INV-002", "due_date": None}), as_of=T)
    assert outcome(result) == [("warning", "required:due_date", [2])]
    assert result.success


def test_impossible_and_misformatted_dates() -> None:
    df = frame(
        "contracts",
        {"start_date": "2026-02-30"},
        {"contract_id": "K002"},
        {"contract_id": "K003", "start_date": "01/02/2026"},
        {"contract_id": "K004", "end_date": "2026-04-31"},
    )
    result = validate_batch("contracts", df, as_of=T)
    assert outcome(result) == [("warning", "date:start_date", [1, 3]), ("warning", "date:end_date", [4])]
    first = result.warnings[0]
    assert (first.expectation, first.column, first.unexpected_count, first.unexpected_percent) == (
        "expect_column_values_to_match_regex", "start_date", 2, 50.0)
    assert first.message == (
        "contracting/contracts.csv line 1, column start_date: expected a real date YYYY-MM-DD, found '2026-02-30'"
        " (+1 more row)"
    )


def test_amounts_text_too_many_decimals_and_negative_budget() -> None:
    df = frame(
        "budget_schedule",
        {"monthly_amount": "abc"},
        {"effective_date": "2026-10-01", "monthly_amount": "12.345"},
        {"effective_date": "2026-11-01", "monthly_amount": "-500.00"},
        {"effective_date": "2026-12-01", "monthly_amount": " 3300.00 "},  # staging trims: fine
    )
    result = validate_batch("budget_schedule", df, as_of=T)
    # a malformed amount is reported once (format), a well-formed negative one once (sign)
    assert outcome(result) == [
        ("warning", "money:monthly_amount", [1, 2]),
        ("warning", "non_negative:monthly_amount", [3]),
    ]
    assert result.warnings[1].message == (
        "contracting/budget_schedule.csv line 3, column monthly_amount: expected not negative, found '-500.00'"
    )


def test_whole_numbers_and_timestamps() -> None:
    df = frame(
        "google_ads",
        {"metrics_cost_micros": "12.5"},
        {"campaign_id": "12", "metrics_clicks": "-3"},
        {"campaign_id": "13", "extracted_at": "yesterday"},
    )
    result = validate_batch("google_ads", df, as_of=T)
    assert outcome(result) == [
        ("warning", "integer:metrics_cost_micros", [1]),
        ("warning", "non_negative:metrics_clicks", [2]),
        ("warning", "timestamp:extracted_at", [3]),
    ]


def test_unknown_currency_and_enum_values() -> None:
    clients = validate_batch("clients", frame("clients", {"currency": "CDN"}, {"client_id": "C002",
                                                                                "currency": "usd"}), as_of=T)
    assert outcome(clients) == [("warning", "currency:currency", [1])]  # staging upper-cases 'usd'
    lines = validate_batch("invoice_lines", frame("invoice_lines", {"line_type": "discount"}), as_of=T)
    assert outcome(lines) == [("warning", "in_set:line_type", [1])]
    assert lines.warnings[0].message.endswith(
        "expected one of media|management_fee|flat_fee|adjustment|tax, found 'discount'")
    payments = validate_batch("payments", frame("payments", {"method": "cash"}, {"payment_id": "P2",
                                                                                  "method": None}), as_of=T)
    assert outcome(payments) == [("warning", "in_set:method", [1])]  # method may be empty


def test_fractions_not_percentages() -> None:
    result = validate_batch("rate_card", frame("rate_card", {"fee_pct": "15"}), as_of=T)
    assert outcome(result) == [("warning", "fraction:fee_pct", [1])]


def test_only_adjustment_lines_may_be_negative() -> None:
    df = frame(
        "invoice_lines",
        {"line_type": "adjustment", "amount": "-50.00"},
        {"line_no": "2", "line_type": "media", "amount": "-50.00"},
        {"line_no": "3", "line_type": "management_fee", "amount": "0.00"},
    )
    result = validate_batch("invoice_lines", df, as_of=T)
    assert outcome(result) == [("warning", "non_negative:amount", [2])]
    assert result.warnings[0].expectation == "expect_column_values_to_be_between"


def test_service_month_is_the_first_of_a_month() -> None:
    result = validate_batch("credit_memos", frame("credit_memos", {"service_month": "2026-09-15"}), as_of=T)
    assert outcome(result) == [("warning", "first_of_month:service_month", [1])]


def test_past_event_dates_between_2000_and_the_as_of_date() -> None:
    df = frame(
        "invoices",
        {"invoice_date": "2026-10-15", "due_date": "2026-11-14"},  # on T: fine; due after T: fine
        {"invoice_id": "INV-002", "invoice_date": "2026-10-20", "due_date": "2026-11-19"},
        {"invoice_id": "INV-003", "invoice_date": "1999-12-31", "due_date": "2000-01-30"},
    )
    result = validate_batch("invoices", df, as_of=T)
    assert outcome(result) == [("warning", "not_after_as_of:invoice_date", [2, 3])]
    # T is a suite parameter: the same suite, validated as of a later date, passes INV-002
    later = validate_batch("invoices", df, as_of=date(2026, 10, 31))
    assert outcome(later) == [("warning", "not_after_as_of:invoice_date", [3])]


def test_future_end_due_and_effective_dates_are_fine_but_must_be_plausible() -> None:
    assert validate_batch("contracts", frame("contracts", {"end_date": "2027-06-30"}), as_of=T).warnings == []
    result = validate_batch("budget_schedule", frame("budget_schedule", {"effective_date": "2206-01-01"}), as_of=T)
    assert outcome(result) == [("warning", "plausible_date:effective_date", [1])]


def test_end_on_or_after_start_and_due_on_or_after_invoice_date() -> None:
    contracts = validate_batch(
        "contracts",
        frame("contracts", {"start_date": "2026-05-01", "end_date": "2026-04-30"},
              {"contract_id": "K002", "start_date": "2026-05-01", "end_date": "2026-05-01"}),  # one day: fine
        as_of=T,
    )
    assert outcome(contracts) == [("warning", "after:end_date:start_date", [1])]
    assert contracts.warnings[0].message == (
        "contracting/contracts.csv line 1, column end_date: expected end_date on or after start_date,"
        " found end_date='2026-04-30', start_date='2026-05-01'"
    )
    invoices = validate_batch("invoices", frame("invoices", {"due_date": "2026-09-30"}), as_of=T)
    assert outcome(invoices) == [("warning", "after:due_date:invoice_date", [1])]
    tiers = validate_batch("rate_card", frame("rate_card", {"max_monthly_budget": "0.00"}), as_of=T)
    assert outcome(tiers) == [("warning", "after:max_monthly_budget:min_monthly_budget", [1])]


def test_duplicate_key_in_one_file_but_not_across_files() -> None:
    one_file = frame("invoices", {}, {"total_amount": "200.00"}, {"invoice_id": "INV-002"})
    result = validate_batch("invoices", one_file, as_of=T)
    assert outcome(result) == [("warning", "unique_in_file:invoice_id", [1, 2])]
    assert result.warnings[0].message == (
        "accounting/invoices.csv line 1, column invoice_id: expected invoice_id once per file,"
        " found invoice_id='INV-001' (+1 more row)"
    )
    # the same invoice in a later export is a restatement (the file sorting last wins)
    two_files = pd.concat([frame("invoices", {}), frame("invoices", {}, file="accounting/invoices_2026-11.csv")])
    assert validate_batch("invoices", two_files, as_of=T).warnings == []


def test_compound_keys() -> None:
    result = validate_batch(
        "budget_schedule",
        frame("budget_schedule", {}, {"monthly_amount": "3100.00"}, {"effective_date": "2026-10-01"}),
        as_of=T,
    )
    assert outcome(result) == [("warning", "unique_in_file:contract_id,effective_date", [1, 2])]


def test_the_same_ad_pull_landed_twice() -> None:
    pulls = pd.concat([
        frame("meta_ads", {}, file="ads/meta_ads/meta_ads_2026-10-15.csv"),
        frame("meta_ads", {}, file="ads/meta_ads/meta_ads_2026-10-15_copy.csv"),  # same extracted_at
        frame("meta_ads", {"extracted_at": "2026-10-16T02:00:00Z"}, file="ads/meta_ads/meta_ads_2026-10-16.csv"),
    ])
    result = validate_batch("meta_ads", pulls, as_of=T)
    assert [(s, r) for s, r, _rows in outcome(result)] == [
        ("warning", "unique_in_batch:account_id,campaign_id,date_start,extracted_at")
    ]
    assert [e["source_file"] for e in result.warnings[0].examples] == [
        "ads/meta_ads/meta_ads_2026-10-15.csv", "ads/meta_ads/meta_ads_2026-10-15_copy.csv"]


# -- systemic failures: errors that block the run -------------------------------------------------
def _contracts(n: int, bad: int) -> pd.DataFrame:
    return frame("contracts", *(
        {"contract_id": f"K{i:03d}", "start_date": "01/02/2026" if i < bad else "2026-01-02"} for i in range(n)
    ))


def test_more_than_ten_percent_of_a_batch_failing_blocks() -> None:
    result = validate_batch("contracts", _contracts(25, 25), as_of=T)
    assert not result.success
    assert outcome(result) == [("error", "date:start_date", [1, 2, 3, 4, 5])]  # the warning copy folds in
    err = result.errors[0]
    assert (err.unexpected_count, err.unexpected_percent) == (25, 100.0)
    assert err.message == (
        "contracting/contracts.csv: column start_date fails in 25 of 25 rows (100%, more than 10% blocks the run):"
        " expected a real date YYYY-MM-DD; e.g. line 1 found '01/02/2026'"
    )


def test_threshold_boundaries_and_configuration() -> None:
    assert outcome(validate_batch("contracts", _contracts(25, 2), as_of=T)) == [
        ("warning", "date:start_date", [1, 2])]  # 8%
    assert outcome(validate_batch("contracts", _contracts(30, 3), as_of=T)) == [
        ("warning", "date:start_date", [1, 2, 3])]  # exactly 10%: not more than
    assert outcome(validate_batch("contracts", _contracts(25, 3), as_of=T))[0][:2] == ("error", "date:start_date")
    # a small file entirely wrong is a handful of rows, not a systemic problem
    assert validate_batch("contracts", _contracts(5, 5), as_of=T).success
    # the share is configurable
    relaxed = validate_batch("contracts", _contracts(25, 3), as_of=T, block_share=0.5)
    assert relaxed.success and outcome(relaxed) == [("warning", "date:start_date", [1, 2, 3])]
    assert not validate_batch("contracts", _contracts(25, 3), as_of=T).success  # default again


# -- cross-table rules -----------------------------------------------------------------------------
def test_payment_applications_known_and_within_the_payment() -> None:
    apps = frame(
        "payment_applications",
        {"amount_applied": "3000.00"},
        {"invoice_id": "INV-404", "amount_applied": "500.00"},
        {"payment_id": "P404", "amount_applied": "1.00"},
    )
    context = {"payments": frame("payments", {}), "invoices": frame("invoices", {})}
    result = validate_batch("payment_applications", apps, as_of=T, context_tables=context)
    assert outcome(result) == [
        ("warning", "known:payment_id", [3]),
        ("warning", "known:invoice_id", [2]),
        ("warning", "within_payment:amount_applied", [1, 2]),
    ]
    assert {f.expectation for f in result.warnings} == {"cross_check"}
    assert result.warnings[1].message == (
        "accounting/payment_applications.csv line 2, column invoice_id: expected invoice_id present in invoices,"
        " found 'INV-404'"
    )
    assert result.warnings[2].message == (
        "accounting/payment_applications.csv line 1, column amount_applied: expected applications of a payment not"
        " above the payment's amount, found '3000.00' (payment P001 of 3450.00 has 3500.00 applied in all)"
        " (+1 more row)"
    )


def test_applications_count_the_current_rows_of_earlier_files() -> None:
    earlier = frame("payment_applications", {"amount_applied": "3000.00"}, file="accounting/payment_applications.csv")
    new = frame("payment_applications", {"invoice_id": "INV-002", "amount_applied": "500.00"},
                file="accounting/payment_applications_2026-11.csv")
    context = {
        "payments": frame("payments", {}),
        "invoices": frame("invoices", {}, {"invoice_id": "INV-002"}),
        "payment_applications": pd.concat([earlier, new]),
    }
    failures = cross_check("payment_applications", new, context)
    assert [(f.rule, rows_of(f)) for f in failures] == [("within_payment:amount_applied", [1])]


def test_budget_schedule_inside_its_contract_and_codes_known() -> None:
    context = {"contracts": frame("contracts", {"end_date": "2026-12-31"})}
    budget = frame(
        "budget_schedule",
        {"effective_date": "2026-09-01"},  # before the start (2026-09-16)
        {"effective_date": "2026-12-31"},  # the last day: fine
        {"effective_date": "2027-01-01"},  # after the end
        {"contract_id": "K404"},
    )
    result = validate_batch("budget_schedule", budget, as_of=T, context_tables=context)
    assert outcome(result) == [
        ("warning", "known:contract_id", [4]),
        ("warning", "inside_contract:effective_date", [1, 3]),
    ]
    assert result.warnings[1].examples[0] == {
        "source_file": "contracting/budget_schedule.csv", "row_number": 1, "value": "2026-09-01",
        "detail": "contract K001 runs 2026-09-16 to 2026-12-31",
    }
    contracts = frame("contracts", {"product_code": "DISPLAY"}, {"contract_id": "K002", "program_code": "XCOOP"},
                      {"contract_id": "K003", "program_code": None})
    ctx = {"products": frame("products", {}), "oem_programs": frame("oem_programs", {})}
    assert outcome(validate_batch("contracts", contracts, as_of=T, context_tables=ctx)) == [
        ("warning", "known:product_code", [1]), ("warning", "known:program_code", [2])]
    programs = frame("oem_programs", {"eligible_products": "SEARCH|VIDEO"})
    failures = cross_check("oem_programs", programs, {"products": frame("products", {})})
    assert [(f.rule, f.examples[0]["detail"]) for f in failures] == [("known:eligible_products", "unknown: VIDEO")]


def test_cross_rules_are_errors_when_systemic_and_skipped_without_context() -> None:
    apps = frame("payment_applications", *({"invoice_id": f"INV-9{i:02d}"} for i in range(25)))
    result = validate_batch("payment_applications", apps, as_of=T,
                            context_tables={"invoices": frame("invoices", {})})
    assert not result.success
    assert [(f.severity, f.rule, f.unexpected_count) for f in result.errors] == [("error", "known:invoice_id", 25)]
    assert validate_batch("payment_applications", apps, as_of=T).success  # no context: suite only
    assert set(CROSS_TABLES) == {"payment_applications", "contracts", "budget_schedule", "oem_programs",
                                 "ad_accounts"}


# -- the bad landing corpus, at the gate -----------------------------------------------------------
def _table_of(rel_path: str) -> str:
    """The landed table a corpus file belongs to (its folder, and the longest name it starts with)."""
    folder, name = rel_path.rsplit("/", 1)
    return max((t.name for t in TABLES if t.folder == folder and name.startswith(t.name)), key=len)


def _landed(case: str, rel_path: str) -> pd.DataFrame:
    """A corpus file read as the loader reads it (ingest.reader), with file and row number."""
    table = TABLES_BY_NAME[_table_of(rel_path)]
    path = CORPUS / case / rel_path
    df = read_landing_file(path, rel_path, path.suffix.lstrip("."), table.columns,
                           table.optional_columns).frame.to_pandas()
    df["_source_file"] = rel_path
    df["_row_number"] = range(2, len(df) + 2)  # the file's line: the header is line 1
    return df


@pytest.mark.parametrize(
    ("case", "rel_path", "reason"),
    [
        ("missing_column", "contracting/contracts_2026-11.csv", "missing column(s) end_date"),
        ("renamed_column", "contracting/budget_schedule_2026-11.csv", "missing column(s) monthly_amount"),
        ("latin1", "contracting/clients_2026-11.csv", "not UTF-8 text (byte 0xe9 on line 2)"),
        ("empty_file", "accounting/payments_2026-11.csv", "empty file"),
    ],
)
def test_file_level_corpus_cases_are_rejected_by_the_reader(case: str, rel_path: str, reason: str) -> None:
    with pytest.raises(FileRejected, match=re.escape(reason)):
        _landed(case, rel_path)


def test_row_level_corpus_cases_are_gate_warnings() -> None:
    def gate(rel_path: str, context: dict[str, pd.DataFrame] | None = None) -> list[tuple[str, str, list[int]]]:
        result = validate_batch(_table_of(rel_path), _landed("row_level", rel_path), as_of=T, context_tables=context)
        assert result.success
        return outcome(result)

    assert gate("contracting/budget_schedule_2026-11.csv") == [
        ("warning", "money:monthly_amount", [2]), ("warning", "non_negative:monthly_amount", [3])]
    assert gate("contracting/contracts_2026-11.csv") == [("warning", "date:start_date", [2])]
    assert gate("contracting/clients_2026-11.csv") == [("warning", "currency:currency", [2])]
    assert gate("accounting/invoices_2026-11.csv") == [("warning", "unique_in_file:invoice_id", [2, 3])]
    context = {"payments": _landed("row_level", "accounting/payments_2026-11.csv"),
               "invoices": _landed("row_level", "accounting/invoices_2026-11.csv")}
    assert gate("accounting/payment_applications_2026-11.csv", context) == [("warning", "known:invoice_id", [2])]
    assert gate("accounting/payments_2026-11.csv") == []
    assert gate("accounting/write_offs_2026-11.csv") == []  # header only: 0 rows


def test_systemic_corpus_cases_are_gate_errors() -> None:
    budget = validate_batch("budget_schedule", _landed("systemic", "contracting/budget_schedule_2026-12.csv"),
                            as_of=T)
    assert [(f.rule, f.unexpected_count) for f in budget.errors] == [("date:effective_date", 24)]
    assert budget.errors[0].message.startswith(
        "contracting/budget_schedule_2026-12.csv: column effective_date fails in 24 of 24 rows")
    payments = validate_batch("payments", _landed("empty_key", "accounting/payments_2026-12.csv"), as_of=T)
    assert [f.rule for f in payments.errors] == ["not_all_empty:payment_id"]


# -- start-up cost ---------------------------------------------------------------------------------
def test_importing_the_package_does_not_import_gx() -> None:
    code = (
        "import sys, expectations, expectations.runner, expectations.cross_checks, expectations.build_suites;"
        " print('great_expectations' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
