"""The QuickBooks Online connector drives the real python-quickbooks SDK against a local QBO v3 fake
(tests/fakes/qbo_server.py): a full pull, then change data capture; throttling, 401, faults; the
token kept out of every output; one `revwh run --pull` whose AR aging equals QuickBooks' balances."""

from __future__ import annotations

import csv
import json
import logging
import os
import stat
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.landing import discover
from ingest.platforms import quickbooks
from ingest.platforms.common import MissingCredential
from tests.fakes.qbo_server import REALM, FakeQuickBooks
from tests.landing_builder import write_table

NOW = datetime(2026, 10, 31, 2, 0, 0, tzinfo=UTC)
STAMP = "2026-10-31T02:00:00Z"
TOKEN = "qbo-access-token-7f3a9c1e5b"
QBO_VARS = ("QBO_REALM_ID", "QBO_ACCESS_TOKEN", "QBO_CLIENT_ID", "QBO_CLIENT_SECRET", "QBO_REFRESH_TOKEN",
            "REVWH_CREDENTIALS_FILE")
LEDGER_ITEMS = [
    ("Search media", "SEARCH", "media"),
    ("Search management fee", "SEARCH", "management_fee"),
    ("SEO monthly", "SEO", "flat_fee"),
    ("Underspend credit", "SEARCH", "underspend"),
]
CONTRACTS = [
    ("K1", "C1", "SEARCH", "", "2026-01-01", "2026-09-30"),
    ("K2", "C1", "SEARCH", "", "2026-10-01", ""),  # the renewal: lines of October go here
    ("K3", "C2", "SEO", "", "2026-01-01", ""),
    ("K4", "C2", "SEARCH", "", "2026-09-01", ""),
]


@pytest.fixture
def qbo(monkeypatch: pytest.MonkeyPatch):
    fake = FakeQuickBooks(token=TOKEN)
    server, url = fake.start()
    for name in QBO_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QBO_REALM_ID", REALM)
    monkeypatch.setenv("QBO_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("REVWH_QBO_URL", url)
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake speaks plain http on 127.0.0.1
    yield fake
    server.shutdown()


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    write_table(root, "ledger_items", LEDGER_ITEMS)
    write_table(root, "contracts", CONTRACTS)
    return root


def _rows(landing: Path, name: str) -> list[list[str]]:
    with (landing / "accounting" / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))[1:]


def _all_text(root: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in root.rglob("*") if p.is_file())


def test_full_pull_writes_the_landing_files_with_exact_rows(
    qbo: FakeQuickBooks, landing: Path, monkeypatch: pytest.MonkeyPatch, caplog, capfd
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(quickbooks, "PAGE_SIZE", 2)  # pages of 2: the book's six invoices take 4 queries
    waits: list[float] = []
    result = quickbooks.pull(landing, now=NOW, sleep=waits.append)

    assert result.mode == "full" and waits == []
    # what the Dagster asset shows: the book's 3 customers, 4 items, 6 invoices (1003 voided: left
    # out of the landing, still counted as read), 3 payments, 1 credit memo; a full pull: no window
    assert result.counts.metadata() == {
        "customers_pulled": 3, "items_pulled": 4, "invoices_pulled": 6, "payments_pulled": 3,
        "credit_memos_pulled": 1, "deleted_removed": 0, "voided_left_out": 1, "cdc_window": ""}
    assert _rows(landing, "invoices_qbo.csv") == [
        ["1001", "C1", "2026-09-01", "2026-10-01", "USD", "2300.00"],
        ["1002", "C1", "2026-10-01", "2026-10-31", "USD", "2800.00"],
        ["1004", "C1", "2026-10-06", "2026-11-05", "USD", "500.00"],  # 1003 is voided: absent
        ["2001", "C2", "2026-10-01", "2026-10-31", "CAD", "1582.00"],
    ]
    assert _rows(landing, "invoice_lines_qbo.csv") == [
        ["1001", "0", "K1", "2026-09-01", "media", "2000.00"],  # September: the contract ending 09-30
        ["1001", "1", "K1", "2026-09-01", "management_fee", "300.00"],
        ["1002", "0", "K2", "2026-10-01", "media", "2500.00"],  # October: its renewal
        ["1002", "1", "K2", "2026-10-01", "management_fee", "375.00"],
        ["1002", "2", "", "2026-10-01", "adjustment", "-75.00"],  # the discount line; the subtotal ignored
        ["1004", "0", "K2", "2026-10-01", "media", "500.00"],
        ["2001", "0", "K3", "2026-10-01", "flat_fee", "1000.00"],
        ["2001", "1", "", "2026-08-01", "media", "400.00"],  # served before K4 started: no contract
        ["2001", "4", "", "2026-10-01", "tax", "182.00"],  # 13% of 1,400.00, after the last line
    ]
    assert _rows(landing, "payments_qbo.csv") == [
        ["401", "C1", "2026-10-12", "4100.00", "check", "5521", "USD"],
        ["402", "C1", "2026-10-15", "250.00", "wire", "WIRE-88", "USD"],  # unapplied cash
        ["403", "C2", "2026-10-20", "880.00", "ach", "EFT-3", "CAD"],
    ]
    assert _rows(landing, "payment_applications_qbo.csv") == [
        ["401", "1001", "2300.00"],  # one payment, two invoices
        ["401", "1002", "1800.00"],  # partly
        ["403", "2001", "880.00"],  # 1,000.00 applied in QuickBooks, 120.00 of it the credit memo's
    ]
    assert _rows(landing, "credit_memos_qbo.csv") == [
        ["CM-2001@2001", "C2", "K4", "2026-09-01", "2026-10-10", "120.00", "underspend", "2001"],
        ["CM-2001", "C2", "K4", "2026-09-01", "2026-10-10", "80.00", "underspend", ""],  # its RemainingCredit
    ]
    assert _rows(landing, "qbo_balances.csv") == [
        ["invoice", "1001", "C1", "USD", "0.00", STAMP, ""],
        ["invoice", "1002", "C1", "USD", "1000.00", STAMP, ""],
        ["invoice", "1004", "C1", "USD", "500.00", STAMP, ""],
        ["invoice", "2001", "C2", "CAD", "582.00", STAMP, ""],
        ["payment", "401", "C1", "USD", "0.00", STAMP, ""],
        ["payment", "402", "C1", "USD", "250.00", STAMP, ""],
        ["payment", "403", "C2", "CAD", "0.00", STAMP, ""],
        ["credit_memo", "CM-2001", "C2", "CAD", "80.00", STAMP, ""],
        ["customer", "1", "C1", "USD", "1250.00", STAMP, "Alpha Toyota"],  # DisplayName: the credit run's Customer
        ["customer", "2", "C2", "CAD", "502.00", STAMP, "Maple Honda"],
    ]
    # a customer without AcctNum: its invoice is not written, one line; the unresolved contract: one line
    assert result.errors == {
        "invoice 5001": "customer Walk-in Ford (Id 3) has no AcctNum (the contracting client_id): not written"
    }
    assert result.exceptions == [
        "invoice 2001 line 1: no contract of client C2 for product SEARCH active on 2026-08-15; contract_id left empty"
    ]
    queries = [r["body"] for r in qbo.requests if r["method"] == "POST"]
    assert queries[:4] == [f"SELECT * FROM Customer STARTPOSITION {n} MAXRESULTS 2" for n in (1, 3)] + [
        "SELECT * FROM Item STARTPOSITION 1 MAXRESULTS 2", "SELECT * FROM Item STARTPOSITION 3 MAXRESULTS 2"]
    assert sum(q.startswith("SELECT * FROM Invoice") for q in queries) == 4  # 6 invoices: 2 + 2 + 2 + 0
    assert all(r["params"].get("minorversion") == "75" for r in qbo.requests)
    # the state file is revwh's own: discovery neither loads nor reports it
    assert (landing / ".revwh" / "quickbooks_state.json").is_file()
    files, unknown = discover(landing)
    assert unknown == []
    assert {f.rel_path for f in files} >= {"accounting/invoices_qbo.csv", "accounting/qbo_balances.csv"}
    # the access token is in no output, log record or written file
    out, err = capfd.readouterr()
    assert TOKEN not in out + err + caplog.text + _all_text(landing)


def test_a_second_pull_asks_only_for_changes_and_applies_a_deletion(qbo: FakeQuickBooks, landing: Path) -> None:
    quickbooks.pull(landing, now=NOW, sleep=lambda s: None)
    before = len(qbo.requests)
    qbo.delete("Invoice", "104")
    customer = next(c for c in qbo.entities["Customer"] if c["Id"] == "1")
    qbo.update("Customer", {**customer, "Balance": "750.00"})
    later = NOW + timedelta(days=1)
    result = quickbooks.pull(landing, now=later, sleep=lambda s: None)

    assert result.mode == "changes"
    # the CDC answer: one deleted invoice (removed) and one changed customer; 1003 stays voided
    assert result.counts.metadata() == {
        "customers_pulled": 1, "items_pulled": 0, "invoices_pulled": 1, "payments_pulled": 0,
        "credit_memos_pulled": 0, "deleted_removed": 1, "voided_left_out": 1,
        "cdc_window": "2026-10-31T01:55:00+00:00 to 2026-11-01T02:00:00+00:00"}
    asked = qbo.requests[before:]
    assert [(r["method"], r["path"]) for r in asked] == [("GET", f"/v3/company/{REALM}/cdc")]
    assert asked[0]["params"]["entities"] == "Customer,Item,Invoice,Payment,CreditMemo"
    assert asked[0]["params"]["changedSince"] == "2026-10-31T01:55:00+00:00"  # the last pull, 5 minutes back
    assert [r[0] for r in _rows(landing, "invoices_qbo.csv")] == ["1001", "1002", "2001"]
    assert "1004" not in {r[0] for r in _rows(landing, "invoice_lines_qbo.csv")}
    balances = {(r[0], r[1]): r[4] for r in _rows(landing, "qbo_balances.csv")}
    assert ("invoice", "1004") not in balances and balances[("customer", "1")] == "750.00"
    state = json.loads((landing / ".revwh" / "quickbooks_state.json").read_text())
    assert state["last_pull"] == later.isoformat() and "104" not in state["documents"]["Invoice"]

    # a last pull older than 29 days: CDC cannot look back so far, so everything again
    again = quickbooks.pull(landing, now=later + timedelta(days=30), sleep=lambda s: None)
    assert again.mode == "full" and qbo.requests[-1]["method"] == "POST"


def test_a_throttle_is_waited_for_and_retried(qbo: FakeQuickBooks, landing: Path) -> None:
    qbo.throttle_once = True
    waits: list[float] = []
    notes: list[str] = []
    result = quickbooks.pull(landing, now=NOW, sleep=waits.append, note=notes.append)
    assert waits == [2.0]  # what Retry-After said
    assert notes == ["QuickBooks: throttled by the platform: waiting 2s as it asked"]
    assert result.mode == "full" and len(_rows(landing, "invoices_qbo.csv")) == 4
    assert qbo.requests[0]["body"] == qbo.requests[1]["body"]  # the same query, again


def test_a_refused_token_is_one_line_naming_the_variable(
    qbo: FakeQuickBooks, landing: Path, monkeypatch: pytest.MonkeyPatch, caplog, capfd
) -> None:
    from orchestration.commands import pull as pull_command
    from orchestration.commands.cli import main

    caplog.set_level(logging.DEBUG)
    wrong = "qbo-expired-token-1234567"
    monkeypatch.setenv("QBO_ACCESS_TOKEN", wrong)
    result = quickbooks.pull(landing, now=NOW, sleep=lambda s: None)
    assert result.errors == {f"company {REALM}": quickbooks.AUTH_LINE} and result.file is None
    assert not (landing / "accounting").exists()  # nothing written

    monkeypatch.setattr(pull_command, "_sleep", lambda s: None)
    code = main(["pull", "--platform", "quickbooks", "--landing", str(landing)])
    out, err = capfd.readouterr()
    assert code == 1
    assert err.splitlines() == [f"  company {REALM}: {quickbooks.AUTH_LINE}"]
    # the fake echoed the Authorization header in its fault: still in no output or log
    assert wrong not in out + err + caplog.text and "Traceback" not in err


def test_a_fault_is_one_line_and_writes_nothing(qbo: FakeQuickBooks, landing: Path) -> None:
    qbo.fault = "Payment"
    result = quickbooks.pull(landing, now=NOW, sleep=lambda s: None)
    assert result.errors == {f"company {REALM}": "QuickBooks error 2500: Invalid Reference Id"}
    assert not (landing / "accounting").exists() and not (landing / ".revwh").exists()


def test_missing_credentials_name_the_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in QBO_VARS:
        monkeypatch.delenv(name, raising=False)
    assert not quickbooks.configured()
    with pytest.raises(MissingCredential, match=r"^missing credential: set QBO_REALM_ID \(environment or"):
        quickbooks.pull(tmp_path)
    monkeypatch.setenv("QBO_REALM_ID", REALM)
    with pytest.raises(MissingCredential, match=r"set QBO_ACCESS_TOKEN, or QBO_CLIENT_ID, QBO_CLIENT_SECRET and"):
        quickbooks.pull(tmp_path)


def test_refresh_credentials_keep_the_rotated_tokens_in_the_token_file(
    qbo: FakeQuickBooks, landing: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog
) -> None:
    """Without QBO_ACCESS_TOKEN, intuit-oauth's AuthClient refreshes (stood in for here: its
    constructor would fetch Intuit's discovery document); the rotated pair is kept, mode 0600."""
    import intuitlib.client

    caplog.set_level(logging.DEBUG)
    refreshed: list[str] = []

    class FakeAuthClient:
        def __init__(self, client_id: str, client_secret: str, redirect_uri: str, environment: str) -> None:
            self.access_token = self.refresh_token = None
            self.expires_in = 3600

        def refresh(self, refresh_token: str) -> None:
            refreshed.append(refresh_token)
            self.access_token, self.refresh_token = TOKEN, f"rotated-refresh-{len(refreshed)}xyz"

    monkeypatch.setattr(intuitlib.client, "AuthClient", FakeAuthClient)
    monkeypatch.delenv("QBO_ACCESS_TOKEN")
    token_file = tmp_path / "secrets" / "qbo_token.json"
    monkeypatch.setenv("REVWH_QBO_TOKEN_FILE", str(token_file))
    for name, value in (("QBO_CLIENT_ID", "client-id-abc"), ("QBO_CLIENT_SECRET", "client-secret-def"),
                        ("QBO_REFRESH_TOKEN", "first-refresh-token-ghi")):
        monkeypatch.setenv(name, value)
    assert quickbooks.configured()
    assert list(quickbooks.pull(landing, now=NOW).errors) == ["invoice 5001"]  # QuickBooks answered
    assert quickbooks.pull(landing, now=NOW + timedelta(hours=2)).mode == "changes"
    assert refreshed == ["first-refresh-token-ghi"]  # the stored access token was still good
    stored = json.loads(token_file.read_text())
    assert stored["refresh_token"] == "rotated-refresh-1xyz" and stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    assert TOKEN not in caplog.text and "rotated-refresh-1xyz" not in caplog.text


def test_run_with_pull_lands_quickbooks_and_ar_aging_equals_its_balances(
    qbo: FakeQuickBooks, landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One `revwh run --pull`: the ad platforms skipped (no credentials), QuickBooks pulled, and every
    invoice's open amount in marts.ar_aging is QuickBooks' own Balance."""
    from orchestration.run.runner import run_pipeline
    from tests.landing_builder import query, write_landing

    for name in ("GOOGLE_ADS_DEVELOPER_TOKEN", "GOOGLE_ADS_ACCESS_TOKEN", "META_ACCESS_TOKEN",
                 "MSADS_DEVELOPER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    write_landing(
        landing,
        {
            "clients": [("C1", "Alpha Toyota", "Toyota", "US", "USD", ""),
                        ("C2", "Maple Honda", "Honda", "CA", "CAD", "")],
            "products": [("SEARCH", "Paid search", "search", "media"), ("SEO", "SEO", "seo", "flat")],
            "contracts": CONTRACTS,
            "budget_schedule": [("K1", "2026-01-01", "2000.00"), ("K2", "2026-10-01", "2500.00"),
                                ("K3", "2026-01-01", "1000.00"), ("K4", "2026-09-01", "400.00")],
            "rate_card": [("SEARCH", "0", "", "0.15")],
            "ledger_items": LEDGER_ITEMS,
            "fx_rates": [("2026-09-01", "CAD", "0.720000")],
        },
    )
    outcome = run_pipeline(landing, tmp_path / "revwh.duckdb", "2026-10-31", pull_ad_platforms=True)
    assert outcome.success, outcome.failures
    assert (landing / "accounting" / "invoices_qbo.csv").is_file()
    assert not (landing / "ads" / "meta_ads").exists()
    aging = dict(query(tmp_path / "revwh.duckdb", "select invoice_id, open_amount from marts.ar_aging"))
    written = {r[0] for r in _rows(landing, "invoices_qbo.csv")}
    balances = {i["DocNumber"]: Decimal(i["Balance"]) for i in qbo.entities["Invoice"] if i["DocNumber"] in written}
    assert aging == {k: v for k, v in balances.items() if v > 0} == {
        "1002": Decimal("1000.00"), "1004": Decimal("500.00"), "2001": Decimal("582.00")}
    assert TOKEN not in _all_text(landing)
    # the UI's QuickBooks asset: this run's materialization carries the pull's counts (a full pull of
    # the book: see test_full_pull_writes_the_landing_files_with_exact_rows; 5001's customer has no
    # client_id: the one document not written)
    from dagster import AssetKey, DagsterEventType, DagsterInstance

    from orchestration.pipeline.instance import dagster_home

    [event] = [e for e in DagsterInstance.from_config(str(dagster_home())).all_logs(
        outcome.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
        if e.dagster_event.asset_key == AssetKey(["quickbooks_pull"])]
    meta = {k: v.value for k, v in event.dagster_event.materialization.metadata.items()}
    written = sum(len(_rows(landing, f.name)) for f in (landing / "accounting").glob("*qbo*.csv"))
    assert meta == {
        "mode": "full", "customers_pulled": 3, "items_pulled": 4, "invoices_pulled": 6, "payments_pulled": 3,
        "credit_memos_pulled": 1, "deleted_removed": 0, "voided_left_out": 1, "cdc_window": "",
        "rows_written": written, "exceptions": 1,  # 2001 line 1 without a contract
        "failed": ["invoice 5001: customer Walk-in Ford (Id 3) has no AcctNum (the contracting client_id):"
                   " not written"]}
    assert written > 20  # the files were read back: not an empty landing


def test_a_bad_debt_credit_memo_applied_to_an_invoice_lands_as_a_write_off() -> None:
    """QuickBooks has no write-off: a bad debt is a credit memo with a bad-debt item (ledger_items
    line type `write_off`) applied to the invoice through a payment of 0. Pure mapping, no server.

    By hand: invoice 7001 of 1,000.00; memo BD-1 of 700.00 applies 600.00 to it (payment 801, no
    cash): a write-off of 600.00 on the memo's date; 700.00 - 600.00 = 100.00 left unapplied stays a
    credit memo, with a note; the payment writes no row (TotalAmt 0) and no cash application."""
    from tests.fakes.qbo_server import _item_line, _ref

    alpha, usd = _ref("1", "Alpha Toyota"), _ref("USD", "United States Dollar")
    docs = {
        "Customer": {"1": {"Id": "1", "DisplayName": "Alpha Toyota", "AcctNum": "C1", "Balance": "300.00",
                           "CurrencyRef": usd}},
        "Item": {"12": {"Id": "12", "Name": "SEO monthly"}, "20": {"Id": "20", "Name": "Bad debt"}},
        "Invoice": {"701": {"Id": "701", "DocNumber": "7001", "TxnDate": "2026-09-01", "DueDate": "2026-10-01",
                            "CustomerRef": alpha, "CurrencyRef": usd, "TotalAmt": "1000.00", "Balance": "400.00",
                            "Line": [_item_line(0, "1000.00", ("12", "SEO monthly"), "2026-09-01")]}},
        "Payment": {"801": {"Id": "801", "TxnDate": "2026-10-20", "CustomerRef": alpha, "CurrencyRef": usd,
                            "TotalAmt": "0", "UnappliedAmt": "0",
                            "Line": [{"Amount": "600.00", "LinkedTxn": [{"TxnId": "701", "TxnType": "Invoice"}]},
                                     {"Amount": "600.00", "LinkedTxn": [{"TxnId": "901", "TxnType": "CreditMemo"}]}]}},
        "CreditMemo": {"901": {"Id": "901", "DocNumber": "BD-1", "TxnDate": "2026-10-15", "CustomerRef": alpha,
                               "CurrencyRef": usd, "TotalAmt": "700.00", "RemainingCredit": "100.00",
                               "Line": [_item_line(0, "700.00", ("20", "Bad debt"), "2026-10-15")]}},
    }
    ledger = quickbooks.Ledger({"SEO monthly": ("SEO", "flat_fee"), "Bad debt": ("", "write_off")},
                               [{"contract_id": "K3", "client_id": "C1", "product_code": "SEO",
                                 "start_date": "2026-01-01", "end_date": ""}])
    mapped = quickbooks.map_documents(docs, ledger, NOW)

    assert mapped.rows["write_offs"] == [["7001", "2026-10-15", "600.00", "bad debt: QuickBooks credit memo BD-1"]]
    assert mapped.rows["credit_memos"] == [
        ["BD-1", "C1", "", "2026-10-01", "2026-10-15", "100.00", "billing_error", ""]]
    assert mapped.rows["payments"] == [] and mapped.rows["payment_applications"] == []
    assert mapped.exceptions == ["credit memo BD-1: a write-off with 100.00 not applied to an invoice; written as a"
                                 " credit memo (apply it to the invoice in QuickBooks)"]
    assert ["credit_memo", "BD-1", "C1", "USD", "100.00", STAMP, ""] in mapped.rows["qbo_balances"]
