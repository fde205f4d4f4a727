"""The demo generator: deterministic, complete, shaped by the landing contract, broken only on purpose.

The warehouse's own tests run on this data, so its properties are pinned here: same arguments
give the same bytes; every file has exactly the SPEC columns in order; money is exact; the
deliberate accounting errors stay rare; the re-pull files restate recent days the way the
platforms do.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from ingest.contract import TABLES, TABLES_BY_NAME
from ingest.demo import generate_landing
from ingest.demo.generator import generate

AS_OF = date(2026, 10, 15)
SIZE, SEED = 20, 11

MONEY = re.compile(r"^-?\d+\.\d{2}$")
FRACTION = re.compile(r"^0\.\d+$")
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
# Money columns per table (exactly two decimals); the Google micros column is an integer.
MONEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "budget_schedule": ("monthly_amount",),
    "rate_card": ("min_monthly_budget", "max_monthly_budget"),
    "oem_programs": ("monthly_cap",),
    "invoices": ("total_amount",),
    "invoice_lines": ("amount",),
    "credit_memos": ("amount",),
    "payments": ("amount",),
    "payment_applications": ("amount_applied",),
    "write_offs": ("amount",),
    "meta_ads": ("spend",),
    "microsoft_ads": ("Spend",),
}
FRACTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "oem_programs": ("coop_share_pct",),
    "rate_card": ("fee_pct",),
    "client_discounts": ("discount_pct",),
}


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _read(path: Path) -> list[dict[str, str]]:
    if path.suffix == ".parquet":
        return pl.read_parquet(path).cast(pl.String).to_dicts()
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _header(path: Path) -> list[str]:
    if path.suffix == ".parquet":
        return pl.read_parquet_schema(path).names()
    with path.open(encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


def _table_of(rel: str) -> str:
    folder, name = rel.rsplit("/", 1)
    if folder.startswith("ads/"):
        return folder.split("/")[1]
    return next(t.name for t in TABLES if t.folder == folder and name.startswith(t.name))


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], dict[str, int]]:
    root = tmp_path_factory.mktemp("demo")
    result = generate(root, as_of=AS_OF, size=SIZE, seed=SEED)
    return root, result.files, result.scenarios


def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    a = generate_landing(tmp_path / "a", as_of=AS_OF, size=SIZE, seed=SEED)
    b = generate_landing(tmp_path / "b", as_of=AS_OF, size=SIZE, seed=SEED)
    assert a == b
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    generate_landing(tmp_path / "c", as_of=AS_OF, size=SIZE, seed=SEED + 1)
    assert _files(tmp_path / "c") != _files(tmp_path / "a")


def test_file_set_is_complete_and_counts_are_true(landing) -> None:
    root, counts, _ = landing
    written = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    assert set(counts) == written
    expected = {f"{t.folder}/{t.name}.csv" for t in TABLES if not t.folder.startswith("ads/")}
    for platform in ("google_ads", "meta_ads", "microsoft_ads"):
        suffix = "parquet" if platform == "google_ads" else "csv"
        expected.add(f"ads/{platform}/{platform}_history.{suffix}")
        for k in range(10):  # the nightly pulls of the last 10 nights, named by pull date
            expected.add(f"ads/{platform}/{platform}_pull_{(AS_OF + timedelta(days=1 - k)).isoformat()}.csv")
    assert written == expected
    for rel, n in counts.items():
        assert len(_read(root / rel)) == n, rel
        assert n > 0 or rel.endswith("write_offs.csv"), rel


def test_every_file_has_the_spec_columns_in_order(landing) -> None:
    root, counts, _ = landing
    for rel in counts:
        assert tuple(_header(root / rel)) == TABLES_BY_NAME[_table_of(rel)].columns, rel
    raw = (root / "contracting" / "clients.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw


def test_money_is_exact_and_formats_are_the_contract(landing) -> None:
    root, counts, _ = landing
    for rel in counts:
        table = _table_of(rel)
        rows = _read(root / rel)
        for column in MONEY_COLUMNS.get(table, ()):
            bad = [r[column] for r in rows if not MONEY.match(r[column]) and not (
                column == "max_monthly_budget" and r[column] == "")]
            assert not bad, (rel, column, bad[:3])
        for column in FRACTION_COLUMNS.get(table, ()):
            assert all(FRACTION.match(r[column]) for r in rows), (rel, column)
        if table == "google_ads":
            assert all(re.fullmatch(r"\d+", r["metrics_cost_micros"]) for r in rows)
        if table in ("google_ads", "meta_ads", "microsoft_ads"):
            assert all(STAMP.match(r["extracted_at"]) for r in rows), rel
    for rel in ("accounting/invoice_lines.csv", "accounting/payments.csv", "accounting/credit_memos.csv"):
        assert all(Decimal(r.get("amount", "0")) >= 0 or r.get("line_type") == "adjustment"
                   for r in _read(root / rel))


def test_dates_never_after_as_of_and_fx_skips_weekends(landing) -> None:
    root, _, _ = landing
    dated = {"accounting/invoices.csv": "invoice_date", "accounting/payments.csv": "payment_date",
             "accounting/credit_memos.csv": "memo_date", "accounting/write_offs.csv": "write_off_date",
             "fx/fx_rates.csv": "rate_date"}
    for rel, column in dated.items():
        assert all(date.fromisoformat(r[column]) <= AS_OF for r in _read(root / rel)), rel
    rates = _read(root / "fx" / "fx_rates.csv")
    assert {r["currency"] for r in rates} == {"CAD"}  # USD is implicitly 1
    assert all(date.fromisoformat(r["rate_date"]).weekday() < 5 for r in rates)
    assert all(Decimal("0.70") <= Decimal(r["usd_per_unit"]) <= Decimal("0.75") for r in rates)
    assert all(re.fullmatch(r"0\.\d{6}", r["usd_per_unit"]) for r in rates)


def test_invoice_lines_sum_to_header_except_the_deliberately_broken_ones(landing) -> None:
    root, _, scenarios = landing
    lines = _read(root / "accounting" / "invoice_lines.csv")
    invoices = _read(root / "accounting" / "invoices.csv")
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        totals[line["invoice_id"]] += Decimal(line["amount"])
    mismatched = sum(totals[i["invoice_id"]] != Decimal(i["total_amount"]) for i in invoices)
    assert mismatched == scenarios["header_total_mismatch"]
    assert 0 < mismatched <= 0.05 * len(invoices)
    assert all(re.fullmatch(r"INV-\d{6}", i["invoice_id"]) for i in invoices)
    assert all(date.fromisoformat(i["due_date"]) - date.fromisoformat(i["invoice_date"]) == timedelta(days=30)
               for i in invoices)
    contracts = {c["contract_id"] for c in _read(root / "contracting" / "contracts.csv")}
    unknown = {line["invoice_id"] for line in lines if line["contract_id"] not in contracts}
    assert 0 < len(unknown) <= 0.05 * len(invoices)


def test_contracting_has_the_business_situations(landing) -> None:
    root, _, scenarios = landing
    clients = _read(root / "contracting" / "clients.csv")
    contracts = _read(root / "contracting" / "contracts.csv")
    assert {"USD", "CAD"} == {c["currency"] for c in clients}
    assert all(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", c["billing_email"]) for c in clients)
    assert any(c["end_date"] for c in contracts) and any(c["program_code"] for c in contracts)
    assert any(date.fromisoformat(c["start_date"]).day != 1 for c in contracts)
    per_client: dict[str, int] = defaultdict(int)
    for c in contracts:
        per_client[c["client_id"]] += 1
    assert set(per_client) == {c["client_id"] for c in clients} and max(per_client.values()) <= 4
    for key in ("reactivations", "budget_changes", "contracts_pacing_under", "contracts_pacing_over",
                "unmapped_ad_accounts", "contracts_with_spend_after_end", "cross_currency_ad_accounts"):
        assert scenarios[key] > 0, key
    products = {p["product_code"]: p["pricing_model"] for p in _read(root / "contracting" / "products.csv")}
    media = {k for k, v in products.items() if v == "media"}
    accounts = _read(root / "contracting" / "ad_accounts.csv")
    assert {a["platform"] for a in accounts} == {"google_ads", "meta_ads", "microsoft_ads"}
    mapped: dict[str, int] = defaultdict(int)
    for a in accounts:
        mapped[a["contract_id"]] += 1
    media_contracts = {c["contract_id"] for c in contracts if c["product_code"] in media}
    assert set(mapped) == media_contracts and set(mapped.values()) <= {1, 2}


def test_latest_pull_restates_recent_days_and_drops_vanished_campaigns(landing) -> None:
    root, _, _ = landing
    folder = root / "ads" / "meta_ads"
    rows = [r | {"file": p.name} for p in sorted(folder.iterdir()) for r in _read(p)]
    latest: dict[tuple[str, str], str] = {}
    for r in rows:
        key = (r["account_id"], r["date_start"])
        latest[key] = max(latest.get(key, ""), r["extracted_at"])
    values: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for r in rows:
        values[(r["account_id"], r["campaign_id"], r["date_start"])].add(r["spend"])
    assert any(len(v) > 1 for v in values.values()), "recent days must be restated by later pulls"
    vanished = [r for r in rows if r["extracted_at"] < latest[(r["account_id"], r["date_start"])]
                and not any(x["campaign_id"] == r["campaign_id"] and x["date_start"] == r["date_start"]
                            and x["extracted_at"] == latest[(r["account_id"], r["date_start"])] for x in rows
                            if x["account_id"] == r["account_id"])]
    assert vanished, "some campaign must vanish from a later pull"
    history_days = {r["date_start"] for r in rows if r["file"] == "meta_ads_history.csv"}
    assert max(history_days) == (AS_OF - timedelta(days=8)).isoformat()
    last_pull = [r for r in rows if r["file"] == f"meta_ads_pull_{(AS_OF + timedelta(days=1)).isoformat()}.csv"]
    assert {r["date_start"] for r in last_pull} == {(AS_OF - timedelta(days=k)).isoformat() for k in range(7)}


def test_rerun_removes_its_own_stale_files_and_keeps_others(tmp_path: Path) -> None:
    generate_landing(tmp_path, as_of=AS_OF, size=5, seed=1)
    foreign = tmp_path / "accounting" / "invoices_manual_fix.csv"
    foreign.write_text("kept\n", encoding="utf-8")
    counts = generate_landing(tmp_path, as_of=AS_OF + timedelta(days=3), size=5, seed=1)
    ours = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()} - {
        "accounting/invoices_manual_fix.csv"}
    assert ours == set(counts)
    assert foreign.read_text(encoding="utf-8") == "kept\n"


def test_accounting_situations_are_present_but_rare(tmp_path: Path) -> None:
    result = generate(tmp_path, as_of=AS_OF, size=120, seed=7)
    sc = result.scenarios
    invoices = sc["invoices"]
    for key in ("missing_invoice", "wrong_line_amount", "billed_after_cancellation", "header_total_mismatch",
                "line_with_unknown_contract"):
        assert 0 < sc[key] <= 0.06 * invoices, (key, sc[key], invoices)
    for key in ("short_pay", "overpayment", "unapplied_payment", "payment_split_across_invoices",
                "underspend_credit_issued", "underspend_credit_not_issued", "dispute_memo_for_short_pay"):
        assert sc[key] > 0, key
    memos = _read(tmp_path / "accounting" / "credit_memos.csv")
    assert {m["reason"] for m in memos} == {"underspend", "dispute", "billing_error", "goodwill"}
    assert any(m["applied_invoice_id"] for m in memos) and any(not m["applied_invoice_id"] for m in memos)
    assert _read(tmp_path / "accounting" / "write_offs.csv")
    applications = _read(tmp_path / "accounting" / "payment_applications.csv")
    per_payment: dict[str, int] = defaultdict(int)
    for a in applications:
        per_payment[a["payment_id"]] += 1
    assert max(per_payment.values()) >= 2  # one payment split across invoices
    payments = {p["payment_id"] for p in _read(tmp_path / "accounting" / "payments.csv")}
    assert payments - set(per_payment)  # unapplied cash


def test_size_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_landing(tmp_path, as_of=AS_OF, size=0)
