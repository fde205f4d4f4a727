"""The QuickBooks Online round trip after the pull, against the local QBO fake: one `revwh run`
over a landing built from a pull of the fake book, then the tie-out (marts.ledger_tieout and the run
summary line), the credit run in QuickBooks' names, and `revwh post --credits` (dry run, then
--commit twice: each memo once), whose memos the next pull maps back to their contract and month.

One pipeline run for the whole module (module-scoped fixture).

The underspend credit due, by hand (SPEC 5: credit_due = min(underspend, max(0, billed_media -
delivered_media)) for a closed media month):
  K1 (C1 SEARCH, to 2026-09-30), September: budget 2,000.00 (billable media), Google spend 1,800.00,
  delivered 1,800.00, underspend 200.00; billed media 2,000.00 (invoice 1001 line 0), so credit_due
  = min(200.00, 2,000.00 - 1,800.00) = 200.00; no underspend memo yet: outstanding 200.00.
  K2 (C1, from 2026-10-01), October: budget 2,500.00, spend 2,500.00: no underspend.
  K4 (C2 SEARCH, from 2026-09-01): billed no media (invoice 2001's media line is of August, before
  K4): credit_due 0 (CM-2001's 200.00 over-credits September: -200.00, not owed).
  K1 before September: never invoiced, so no credit (SPEC 5). One credit: UC-K1-2026-09, USD 200.00.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.platforms import quickbooks
from orchestration.billing import qbo_post
from tests.fakes.qbo_server import REALM, USD, FakeQuickBooks
from tests.landing_builder import query_dicts, write_landing
from tests.test_connector_quickbooks import CONTRACTS, LEDGER_ITEMS, QBO_VARS, TOKEN

T = "2026-10-31"
NOW = datetime(2026, 10, 31, 23, 0, 0, tzinfo=UTC)
AD_VARS = ("GOOGLE_ADS_DEVELOPER_TOKEN", "GOOGLE_ADS_ACCESS_TOKEN", "META_ACCESS_TOKEN", "MSADS_DEVELOPER_TOKEN")
# QuickBooks holds a balance revwh has no document for: customer 4 (AcctNum C3), 75.00 entered on
# the customer record. The book's own invoices and customers are left as they are.
CHANGED = {"Id": "4", "DisplayName": "Birch Mazda", "AcctNum": "C3", "Balance": "75.00", "CurrencyRef": USD}


def _google(day: str, dollars: str) -> tuple:
    micros = str(int(Decimal(dollars) * 1_000_000))
    return (day, "1111111111", "USD", "America/New_York", "901", "Search", micros, "1000", "50",
            "2026-10-31T01:00:00Z")


@dataclass
class World:
    fake: FakeQuickBooks
    url: str
    landing: Path
    warehouse: Path
    out: str  # what `revwh run` printed
    err: str
    code: int


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from orchestration.commands.cli import main

    base = tmp_path_factory.mktemp("qbo_roundtrip")
    landing, warehouse = base / "landing", base / "wh" / "revwh.duckdb"
    warehouse.parent.mkdir()
    fake = FakeQuickBooks(token=TOKEN)
    fake.entities["Customer"] = fake.entities["Customer"] + [CHANGED]
    server, url = fake.start()
    with pytest.MonkeyPatch.context() as mp:
        for name in QBO_VARS + AD_VARS:
            mp.delenv(name, raising=False)
        mp.setenv("QBO_REALM_ID", REALM)
        mp.setenv("QBO_ACCESS_TOKEN", TOKEN)
        mp.setenv("REVWH_QBO_URL", url)
        mp.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake speaks plain http on 127.0.0.1
        write_landing(landing, {
            # client names differ from QuickBooks' DisplayNames on purpose: the credit run uses the latter
            "clients": [("C1", "Alpha Toyota Inc.", "Toyota", "US", "USD", ""),
                        ("C2", "Maple Honda Ltd.", "Honda", "CA", "CAD", ""),
                        ("C3", "Birch Mazda", "Mazda", "US", "USD", "")],
            "products": [("SEARCH", "Paid search", "search", "media"), ("SEO", "SEO", "seo", "flat")],
            "contracts": CONTRACTS,
            "budget_schedule": [("K1", "2026-01-01", "2000.00"), ("K2", "2026-10-01", "2500.00"),
                                ("K3", "2026-01-01", "1000.00"), ("K4", "2026-09-01", "400.00")],
            "rate_card": [("SEARCH", "0", "", "0.15")],
            "ledger_items": LEDGER_ITEMS,
            "ad_accounts": [("google_ads", "111-111-1111", "K1"), ("google_ads", "111-111-1111", "K2")],
            "google_ads": [_google("2026-09-15", "1800.00"), _google("2026-10-15", "2500.00")],
            "fx_rates": [("2026-09-01", "CAD", "0.720000")],
        })
        pulled = quickbooks.pull(landing, now=NOW, sleep=lambda s: None)
        assert pulled.mode == "full" and list(pulled.errors) == ["invoice 5001"]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["run", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", T])
        yield World(fake, url, landing, warehouse, out.getvalue(), err.getvalue(), code)
        server.shutdown()


def _tieout(world: World) -> dict[tuple[str, str], dict]:
    rows = query_dicts(world.warehouse, "select * from marts.ledger_tieout")
    return {(r["doc_type"], r["doc_id"]): r for r in rows}


def test_the_run_succeeds_and_prints_the_tieout_line(world: World) -> None:
    assert world.code == 0, world.err
    assert ("AR ties to QuickBooks: 4 of 4 invoices; customers' balances differ by 75.00 USD-equivalent"
            " (USD 75.00, CAD 0.00) — 1 row(s) differ, see marts.ledger_tieout") in world.out.splitlines()


def test_the_difference_is_a_warn_asset_check_in_the_dagster_ui(world: World) -> None:
    """The mart's warn-severity dbt test (ties_to_quickbooks) is an asset check of marts/ledger_tieout:
    this run's evaluation failed with severity WARN (customer 4 differs) and the run still succeeded."""
    from dagster import AssetKey, DagsterEventType, DagsterInstance, RunsFilter

    from orchestration.pipeline.instance import WAREHOUSE_TAG, dagster_home

    instance = DagsterInstance.from_config(str(dagster_home()))
    [run] = instance.get_runs(RunsFilter(tags={WAREHOUSE_TAG: str(world.warehouse.resolve())}))
    checks = [e.dagster_event.event_specific_data for e in instance.all_logs(
        run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)]
    [tie] = [c for c in checks if c.check_name == "ties_to_quickbooks_ledger_tieout_ties"]
    assert (tie.asset_key, tie.passed, tie.severity.value) == (AssetKey(["marts", "ledger_tieout"]), False, "WARN")
    assert run.is_success


def test_every_invoice_and_customer_of_the_book_ties_to_the_cent(world: World) -> None:
    rows = _tieout(world)
    book = {("invoice", "1001"): "0.00", ("invoice", "1002"): "1000.00", ("invoice", "1004"): "500.00",
            ("invoice", "2001"): "582.00", ("payment", "401"): "0.00", ("payment", "402"): "250.00",
            ("payment", "403"): "0.00", ("credit_memo", "CM-2001"): "80.00",
            ("customer", "1"): "1250.00", ("customer", "2"): "502.00"}
    for key, balance in book.items():
        row = rows[key]
        assert row["revwh_amount"] == row["qbo_amount"] == Decimal(balance), key
        assert row["difference"] == 0 and row["ties"] and row["likely_cause"] is None, key
    assert (rows[("customer", "1")]["client_id"], rows[("customer", "2")]["currency"]) == ("C1", "CAD")


def test_a_balance_revwh_lacks_is_a_difference_with_its_likely_cause(world: World) -> None:
    rows = _tieout(world)
    assert [k for k, r in rows.items() if not r["ties"]] == [("customer", "4")]
    changed = rows[("customer", "4")]
    assert (changed["client_id"], changed["revwh_amount"], changed["qbo_amount"], changed["difference"],
            changed["likely_cause"]) == ("C3", Decimal("0.00"), Decimal("75.00"), Decimal("-75.00"),
                                         "missing_in_revwh")


def test_the_credit_run_uses_quickbooks_names(world: World) -> None:
    path = world.warehouse.parent / "reports" / f"underspend-credit-run-{T}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        got = list(csv.reader(fh))
    assert got == [
        ["CreditMemoNo", "Customer", "CreditMemoDate", "Item(Product/Service)", "ItemDescription", "ItemQuantity",
         "ItemRate", "ItemAmount", "Service Date", "Currency"],
        ["UC-K1-2026-09", "Alpha Toyota", T, "Underspend credit", "Underspend credit: contract K1, 2026-09,"
         " Paid search", "1", "200.00", "200.00", "2026-09-01", "USD"],
    ]


def test_the_invoice_run_names_the_quickbooks_customer(world: World) -> None:
    """The invoice run's import file names each client's QuickBooks customer (DisplayName, which
    QuickBooks' import matches on) as the credit run does: C1 'Alpha Toyota', not the contracting
    name 'Alpha Toyota Inc.' (marts.dim_qbo_customers, per client and currency)."""
    from orchestration.billing.invoice_run import qbo_rows, read_invoice_run

    names = {(r["client_id"], r["currency"]): r["qbo_customer_name"]
             for r in query_dicts(world.warehouse, "select * from marts.dim_qbo_customers")}
    assert names[("C1", "USD")] == "Alpha Toyota"
    (month,) = {r["invoice_month"] for r in query_dicts(world.warehouse, "select invoice_month from"
                                                         " marts.invoice_run_lines")}
    _status, lines, _review, _record = read_invoice_run(world.warehouse, month)
    customers = {(r["client_id"], r["currency"]): row[1] for r, row in zip(lines, qbo_rows(lines), strict=True)}
    assert customers[("C1", "USD")] == "Alpha Toyota"
    assert all(customers[key] == names[key] for key in customers if key in names)


def test_post_dry_run_prints_the_memo_and_creates_nothing(world: World, capfd) -> None:
    before = len(world.fake.requests)
    code = qbo_post.post_credits(world.warehouse, date(2026, 9, 1))
    out, _ = capfd.readouterr()
    assert code == 0
    assert out.splitlines() == [
        "Dry run: would create 1 credit memo(s) for 2026-09 in QuickBooks:",
        "  UC-K1-2026-09  Alpha Toyota (QuickBooks customer 1)  Underspend credit  200.00 USD  dated 2026-10-31",
        "Total: 1 memo(s), USD 200.00. Nothing was sent; post with --commit.",
    ]
    assert len(world.fake.requests) == before and world.fake.created == []


def test_post_commit_twice_creates_each_memo_once_and_the_pull_maps_it_back(
    world: World, monkeypatch: pytest.MonkeyPatch, capfd
) -> None:
    from orchestration.commands.cli import main

    for name in QBO_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QBO_REALM_ID", REALM)
    monkeypatch.setenv("QBO_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("REVWH_QBO_URL", world.url)
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    args = ["post", "--credits", "--month", "2026-09", "--warehouse", str(world.warehouse), "--commit"]
    assert main(args) == 0
    first, first_err = capfd.readouterr()
    assert main(args) == 0
    second, second_err = capfd.readouterr()

    assert len(world.fake.created) == 1
    memo = world.fake.created[0]
    assert (memo["DocNumber"], memo["TxnDate"], memo["CustomerRef"]["value"], memo["TotalAmt"]) == (
        "UC-K1-2026-09", T, "1", "200.00")
    line = memo["Line"][0]
    assert line["SalesItemLineDetail"]["ItemRef"]["value"] == "13"  # the ledger_items underspend item's Id
    assert Decimal(str(line["Amount"])) == Decimal("200.00")
    posts = [r for r in world.fake.requests if r["method"] == "POST" and r["path"].endswith("/creditmemo")]
    assert len(posts) == 1 and posts[0]["params"]["requestid"] == qbo_post.request_id(REALM, "UC-K1-2026-09")
    assert "UC-K1-2026-09: created (QuickBooks Id 9001)" in first
    assert "UC-K1-2026-09: already in QuickBooks (Id 9001): skipped" in second
    assert "Posted 0 credit memo(s) for 2026-09 (nothing); 1 already in QuickBooks; 0 failed." in second
    # a retried request (the same request id) answers the first memo, never a second
    again = world.fake.create_credit_memo({"DocNumber": "UC-K1-2026-09", "Line": []},
                                          qbo_post.request_id(REALM, "UC-K1-2026-09"))
    assert again is memo and len(world.fake.created) == 1
    # the access token is in no output of the command
    assert TOKEN not in first + first_err + second + second_err

    # the next pull lands the memo as an underspend credit of K1's September (it settles credits_issued)
    quickbooks.pull(world.landing, now=NOW.replace(hour=23, minute=30), sleep=lambda s: None)
    with (world.landing / "accounting" / "credit_memos_qbo.csv").open(encoding="utf-8", newline="") as fh:
        memos = {r["credit_memo_id"]: r for r in csv.DictReader(fh)}
    got = memos["UC-K1-2026-09"]
    assert (got["client_id"], got["contract_id"], got["service_month"], got["amount"], got["reason"],
            got["applied_invoice_id"]) == ("C1", "K1", "2026-09-01", "200.00", "underspend", "")


def test_the_summary_says_when_no_balances_were_pulled() -> None:
    """No pipeline run: the summary's tie-out line over an empty mart, and no line without the mart."""
    import duckdb

    from orchestration.run.marts_lines import tieout_line

    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.ledger_tieout (doc_type varchar, currency varchar, ties boolean,"
                " difference decimal(18,2), difference_usd decimal(18,2))")
    assert tieout_line(con, {"ledger_tieout"}) == "QuickBooks: no balances pulled yet (ledger_tieout is empty)"
    assert tieout_line(con, set()) is None  # a warehouse built before the mart: no line
    con.execute("insert into marts.ledger_tieout values ('invoice', 'USD', true, 0, 0),"
                " ('invoice', 'CAD', false, 10, 7.20), ('customer', 'CAD', false, -10, -7.20),"
                " ('customer', 'USD', true, 0, 0)")
    assert tieout_line(con, {"ledger_tieout"}) == (
        "AR ties to QuickBooks: 1 of 2 invoices; customers' balances differ by 7.20 USD-equivalent"
        " (USD 0.00, CAD 10.00) — 2 row(s) differ, see marts.ledger_tieout")
