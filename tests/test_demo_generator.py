"""The demo generator: deterministic, complete, shaped by the landing contract, broken only on purpose.

The warehouse's own tests run on this data, so its properties are pinned here: same arguments
give the same bytes; every file has exactly the SPEC columns in order; money is exact; the
deliberate accounting errors stay rare; the re-pull files restate recent days the way the
platforms do, each with a coverage file; renewals, quarterly billing, reversed invoices, account
ids in several spellings, several FX currencies and ownership changes are there at every size from
20 dealers.
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
COVERAGE_COLUMNS = ("platform", "account_id", "start_date", "end_date", "extracted_at")
PLATFORMS = ("google_ads", "meta_ads", "microsoft_ads")
PULL = re.compile(r"^(google_ads|meta_ads|microsoft_ads)_pull_(\d{4}-\d{2}-\d{2})\.csv$")
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
    if name.endswith(".coverage.csv"):
        return "coverage"
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
    # qbo_balances is written by the QuickBooks Online connector only: the demo's books are exports
    expected = {f"{t.folder}/{t.name}.csv" for t in TABLES
                if t.folder.split("/")[0] != "ads" and t.name != "qbo_balances"}
    for platform in ("google_ads", "meta_ads", "microsoft_ads"):
        suffix = "parquet" if platform == "google_ads" else "csv"
        expected.add(f"ads/{platform}/{platform}_history.{suffix}")
        for k in range(10):  # the nightly pulls of the last 10 nights, named by pull date, with coverage
            expected.add(f"ads/{platform}/{platform}_pull_{(AS_OF + timedelta(days=1 - k)).isoformat()}.csv")
            expected.add(f"ads/{platform}/{platform}_pull_{(AS_OF + timedelta(days=1 - k)).isoformat()}.coverage.csv")
    assert written == expected
    for rel, n in counts.items():
        assert len(_read(root / rel)) == n, rel
        assert n > 0 or rel.endswith("write_offs.csv"), rel


def test_every_file_has_the_spec_columns_in_order(landing) -> None:
    root, counts, _ = landing
    for rel in counts:
        table = _table_of(rel)
        columns = COVERAGE_COLUMNS if table == "coverage" else TABLES_BY_NAME[table].columns
        assert tuple(_header(root / rel)) == columns, rel
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
        if table in ("google_ads", "meta_ads", "microsoft_ads", "coverage"):
            assert all(STAMP.match(r["extracted_at"]) for r in rows), rel
    for rel in ("accounting/invoice_lines.csv", "accounting/payments.csv", "accounting/credit_memos.csv"):
        assert all(Decimal(r.get("amount", "0")) >= 0 or r.get("line_type") == "adjustment"
                   for r in _read(root / rel))


def test_dates_never_after_as_of_and_fx_skips_weekends(landing) -> None:
    root, _, _ = landing
    dated = {"accounting/invoices.csv": "invoice_date", "accounting/payments.csv": "payment_date",
             "accounting/credit_memos.csv": "memo_date", "accounting/write_offs.csv": "write_off_date",
             "fx/fx_rates.csv": "rate_date", "contracting/client_events.csv": "event_date"}
    for rel, column in dated.items():
        assert all(date.fromisoformat(r[column]) <= AS_OF for r in _read(root / rel)), rel
    rates = _read(root / "fx" / "fx_rates.csv")
    assert {r["currency"] for r in rates} == {"CAD", "EUR", "MXN"}  # USD is implicitly 1
    assert all(date.fromisoformat(r["rate_date"]).weekday() < 5 for r in rates)
    levels = {"CAD": ("0.70", "0.75"), "EUR": ("1.00", "1.20"), "MXN": ("0.045", "0.065")}
    assert all(Decimal(levels[r["currency"]][0]) <= Decimal(r["usd_per_unit"]) <= Decimal(levels[r["currency"]][1])
               for r in rates)
    assert all(re.fullmatch(r"\d\.\d{6}", r["usd_per_unit"]) for r in rates)
    first_day = min(date.fromisoformat(c["start_date"]) for c in _read(root / "contracting" / "contracts.csv"))
    for currency in levels:
        days = sorted(date.fromisoformat(r["rate_date"]) for r in rates if r["currency"] == currency)
        assert days[0] <= first_day and days[-1] >= AS_OF - timedelta(days=5), currency
        assert len(days) == len(set(days)), currency


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
    rows = [r | {"file": p.name} for p in sorted(folder.iterdir()) if not p.name.endswith(".coverage.csv")
            for r in _read(p)]
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


def _normalize(platform: str, account: str) -> str:
    """How the warehouse compares account ids: Google and Microsoft digits only, Meta without act_."""
    return account.removeprefix("act_") if platform == "meta_ads" else "".join(ch for ch in account if ch.isdigit())


def _spend_rows(root: Path, platform: str) -> list[dict[str, str]]:
    """Every spend row of a platform (history and pulls), with its file and normalized fields."""
    table = TABLES_BY_NAME[platform]
    day_col, account_col = table.columns[0], table.columns[1]
    campaign_col = table.columns[4] if platform == "google_ads" else table.columns[3]
    spend_col = {"google_ads": "metrics_cost_micros", "meta_ads": "spend", "microsoft_ads": "Spend"}[platform]
    out = []
    for path in sorted((root / "ads" / platform).iterdir()):
        if path.name.endswith(".coverage.csv"):
            continue
        for r in _read(path):
            out.append({"file": path.name, "day": r[day_col], "raw_account": r[account_col],
                        "account": _normalize(platform, r[account_col]), "campaign": r[campaign_col],
                        "spend": r[spend_col], "extracted_at": r["extracted_at"]})
    return out


def _billable(contract: dict[str, str], schedule: list[tuple[date, Decimal]], month: date) -> Decimal:
    """SPEC's billable amount: sum over the month's active days of A(c,d) / days in month, rounded once."""
    start = date.fromisoformat(contract["start_date"])
    end = date.fromisoformat(contract["end_date"]) if contract["end_date"] else None
    d, total, n = month, Decimal(0), 0
    while d.month == month.month:
        if start <= d and (end is None or d <= end):
            total += ([a for e, a in sorted(schedule) if e <= d] or [Decimal(0)])[-1]
        d += timedelta(days=1)
        n += 1
    return (total / n).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


def _next_month(m: date) -> date:
    return (m.replace(day=28) + timedelta(days=4)).replace(day=1)


def test_renewals_continue_on_the_same_ad_accounts(landing) -> None:
    root, _, scenarios = landing
    contracts = {c["contract_id"]: c for c in _read(root / "contracting" / "contracts.csv")}
    schedule: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for b in _read(root / "contracting" / "budget_schedule.csv"):
        schedule[b["contract_id"]].append((date.fromisoformat(b["effective_date"]), Decimal(b["monthly_amount"])))
    rows_of: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for a in _read(root / "contracting" / "ad_accounts.csv"):
        rows_of[(a["platform"], _normalize(a["platform"], a["account_id"]))].append(a)
    spend_days: dict[tuple[str, str], set[str]] = defaultdict(set)
    for platform in PLATFORMS:
        for r in _spend_rows(root, platform):
            spend_days[(platform, r["account"])].add(r["day"])
    renewals = 0
    for old in contracts.values():
        if not old["end_date"]:
            continue
        end = date.fromisoformat(old["end_date"])
        for new in contracts.values():
            if (new["client_id"], new["product_code"], new["start_date"]) != (
                    old["client_id"], old["product_code"], (end + timedelta(days=1)).isoformat()):
                continue
            shared = [key for key, rows in rows_of.items()
                      if {r["contract_id"] for r in rows} >= {old["contract_id"], new["contract_id"]}]
            if not shared:
                continue
            renewals += 1
            assert (end + timedelta(days=1)).day == 1, "a renewal follows a month's last day"
            assert min(schedule[new["contract_id"]])[0] == end + timedelta(days=1)
            assert max(e for e, _ in schedule[old["contract_id"]]) <= end
            for key in shared:
                assert len(rows_of[key]) == 2, key  # one row per contract, same platform, same account
            assert any({end.isoformat(), (end + timedelta(days=1)).isoformat()} <= spend_days[key]
                       for key in shared), "spend continues across the renewal"
    assert renewals == scenarios["renewals"] >= 2
    shared_rows = sum(len(rows) for rows in rows_of.values() if len({r["contract_id"] for r in rows}) > 1)
    assert shared_rows == 2 * scenarios["ad_accounts_mapped_to_two_contracts"]


def test_account_ids_come_in_several_spellings(landing) -> None:
    root, _, scenarios = landing
    accounts = _read(root / "contracting" / "ad_accounts.csv")
    listed = {p: [a["account_id"] for a in accounts if a["platform"] == p] for p in PLATFORMS}
    assert sum(bool(re.fullmatch(r"\d{3}-\d{3}-\d{4}", a)) for a in listed["google_ads"]) == \
        scenarios["google_ids_listed_with_dashes"] > 0
    assert sum(a.isdigit() for a in listed["google_ads"]) == scenarios["google_ids_listed_bare"] > 0
    assert sum(bool(re.fullmatch(r"act_\d+", a)) for a in listed["meta_ads"]) == \
        scenarios["meta_ids_listed_with_act_prefix"] > 0
    assert sum(a.isdigit() for a in listed["meta_ads"]) == scenarios["meta_ids_listed_bare"] > 0
    assert all(a.isdigit() for a in listed["microsoft_ads"])
    known = {(a["platform"], _normalize(a["platform"], a["account_id"])) for a in accounts}
    pulled: set[tuple[str, str]] = set()
    for platform in PLATFORMS:
        rows = _spend_rows(root, platform)
        pulled |= {(platform, r["account"]) for r in rows}
        if platform != "google_ads":
            assert all(r["raw_account"].isdigit() for r in rows), platform  # Meta pulls: bare ids
            continue
        dashed_files = {r["file"] for r in rows if "-" in r["raw_account"]}
        assert all(PULL.match(f) for f in dashed_files)
        assert len(dashed_files) == scenarios["google_pull_files_with_dashed_ids"] > 0
        assert all(re.fullmatch(r"\d{3}-\d{3}-\d{4}", r["raw_account"]) for r in rows if r["file"] in dashed_files)
        assert all(r["raw_account"].isdigit() for r in rows if r["file"] not in dashed_files)
        # a later bare-id pull restates days a dashed-id pull reported, for the same (normalized) accounts
        dashed = {(r["account"], r["day"]): r["extracted_at"] for r in rows if r["file"] in dashed_files}
        assert any(r["extracted_at"] > dashed[(r["account"], r["day"])] for r in rows
                   if r["file"] not in dashed_files and (r["account"], r["day"]) in dashed)
    assert len(pulled - known) == scenarios["unmapped_ad_accounts"]  # normalized, everything else matches


def test_pulls_have_coverage_files_and_an_empty_repull(landing) -> None:
    root, _, scenarios = landing
    emptied = set()
    files = 0
    for platform in PLATFORMS:
        folder = root / "ads" / platform
        rows = _spend_rows(root, platform)
        coverage = []
        for path in sorted(folder.iterdir()):
            match = PULL.match(path.name)
            if not match:
                continue
            files += 1
            pulled = [r for r in rows if r["file"] == path.name]
            cov = _read(folder / path.name.replace(".csv", ".coverage.csv"))
            end = date.fromisoformat(match.group(2)) - timedelta(days=1)
            start = end - timedelta(days=6)
            assert {r["extracted_at"] for r in pulled} == {c["extracted_at"] for c in cov}, path.name
            assert all((c["platform"], c["start_date"], c["end_date"]) == (platform, start.isoformat(), end.isoformat())
                       for c in cov), path.name
            ids = [c["account_id"] for c in cov]
            assert len(ids) == len(set(ids)) and {r["raw_account"] for r in pulled} <= set(ids), path.name
            assert all(start.isoformat() <= r["day"] <= end.isoformat() for r in pulled), path.name
            coverage += [(_normalize(platform, c["account_id"]), start, end, c["extracted_at"]) for c in cov]
        latest: dict[tuple[str, str], str] = {}
        for r in rows:
            key = (r["account"], r["day"])
            latest[key] = max(latest.get(key, ""), r["extracted_at"])
        for account, start, end, stamp in coverage:
            d = start
            while d <= end:
                if (account, d.isoformat()) in latest and stamp > latest[(account, d.isoformat())]:
                    emptied.add((platform, account, d))
                d += timedelta(days=1)
        history = [r["extracted_at"] for r in rows if "_history." in r["file"]]
        assert max(history) < min(r["extracted_at"] for r in rows if PULL.match(r["file"])), platform
        keys = [(r["account"], r["campaign"], r["day"], r["extracted_at"]) for r in rows]
        assert len(keys) == len(set(keys)), f"{platform}: one extraction states a campaign-day once"
    assert files == scenarios["pull_coverage_files"] == 30
    assert len(emptied) == scenarios["empty_repull_account_days"] > 0


def test_quarterly_invoices_bill_three_months_in_advance(landing) -> None:
    root, _, scenarios = landing
    contracts = {c["contract_id"]: c for c in _read(root / "contracting" / "contracts.csv")}
    media = {p["product_code"] for p in _read(root / "contracting" / "products.csv") if p["pricing_model"] == "media"}
    schedule: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for b in _read(root / "contracting" / "budget_schedule.csv"):
        schedule[b["contract_id"]].append((date.fromisoformat(b["effective_date"]), Decimal(b["monthly_amount"])))
    invoices = {i["invoice_id"]: i for i in _read(root / "accounting" / "invoices.csv")}
    lines: dict[str, list[dict[str, str]]] = defaultdict(list)
    for line in _read(root / "accounting" / "invoice_lines.csv"):
        lines[line["invoice_id"]].append(line)
    quarterly = []
    for invoice_id, ls in lines.items():
        billed = sorted({date.fromisoformat(x["service_month"]) for x in ls})
        first = date.fromisoformat(invoices[invoice_id]["invoice_date"])
        if len({x["contract_id"] for x in ls}) == 1 and len(billed) == 3 and billed[0] == first \
                and billed[1:] == [_next_month(first), _next_month(_next_month(first))]:
            quarterly.append(invoice_id)
    assert len(quarterly) == scenarios["quarterly_invoices"] > 0
    after_next = _next_month(_next_month(AS_OF.replace(day=1)))
    far = 0
    for invoice_id in quarterly:
        k = lines[invoice_id][0]["contract_id"]
        for x in lines[invoice_id]:
            month = date.fromisoformat(x["service_month"])
            if x["line_type"] in ("media", "flat_fee"):
                assert Decimal(x["amount"]) == _billable(contracts[k], schedule[k], month), (invoice_id, month)
        types = sorted(x["line_type"] for x in lines[invoice_id])
        per_month = ["management_fee", "media"] if contracts[k]["product_code"] in media else ["flat_fee"]
        assert types == sorted(per_month * 3), invoice_id
        far += max(date.fromisoformat(x["service_month"]) for x in lines[invoice_id]) >= after_next
        # none of those months is billed on another invoice
        months = {x["service_month"] for x in lines[invoice_id]}
        assert not [x for i, ls in lines.items() if i != invoice_id for x in ls
                    if x["contract_id"] == k and x["service_month"] in months and x["line_type"] != "adjustment"]
    assert far == scenarios["quarterly_invoices_billing_beyond_next_month"] > 0


def test_wrong_invoices_are_reversed_and_issued_again(landing) -> None:
    root, _, scenarios = landing
    invoices = {i["invoice_id"]: i for i in _read(root / "accounting" / "invoices.csv")}
    lines: dict[str, list[dict[str, str]]] = defaultdict(list)
    for line in _read(root / "accounting" / "invoice_lines.csv"):
        lines[line["invoice_id"]].append(line)
    memos = _read(root / "accounting" / "credit_memos.csv")
    reissued = 0
    for m in memos:
        if m["reason"] != "billing_error" or not m["applied_invoice_id"]:
            continue
        inv = invoices[m["applied_invoice_id"]]
        if Decimal(m["amount"]) != Decimal(inv["total_amount"]):
            continue
        assert {(x["contract_id"], x["service_month"]) for x in lines[inv["invoice_id"]]} == {
            (m["contract_id"], m["service_month"])}
        memo_date = date.fromisoformat(m["memo_date"])
        assert timedelta(days=3) <= memo_date - date.fromisoformat(inv["invoice_date"]) <= timedelta(days=10)
        corrected = [i for i in invoices.values() if i["client_id"] == inv["client_id"]
                     and i["invoice_id"] != inv["invoice_id"] and date.fromisoformat(i["invoice_date"]) >= memo_date
                     and {(x["contract_id"], x["service_month"]) for x in lines[i["invoice_id"]]} == {
                         (m["contract_id"], m["service_month"])}]
        if corrected:
            reissued += 1
            assert Decimal(corrected[0]["total_amount"]) != Decimal(inv["total_amount"])
    assert reissued == scenarios["billing_error_reversed_and_reissued"] > 0
    client_level = [m for m in memos if m["reason"] == "goodwill" and not m["contract_id"]]
    assert len(client_level) == scenarios["goodwill_memo_client_level"] > 0
    assert all(not m["service_month"] for m in client_level)


NEW_SITUATIONS = ("renewals", "ad_accounts_mapped_to_two_contracts", "quarterly_invoices",
                  "quarterly_invoices_billing_beyond_next_month", "billing_error_reversed_and_reissued",
                  "goodwill_memo_client_level", "empty_repull_account_days", "google_ids_listed_with_dashes",
                  "google_ids_listed_bare", "meta_ids_listed_with_act_prefix", "meta_ids_listed_bare",
                  "google_pull_files_with_dashed_ids", "pull_coverage_files", "ownership_changes_to_review",
                  "ownership_changes_already_invoiced")


@pytest.mark.parametrize(("size", "seed", "as_of"), [(20, 3, date(2026, 3, 1)), (23, 5, date(2026, 12, 31)),
                                                     (31, 2, AS_OF)])
def test_every_situation_at_small_sizes(tmp_path: Path, size: int, seed: int, as_of: date) -> None:
    sc = generate(tmp_path, as_of=as_of, size=size, seed=seed).scenarios
    assert sc["renewals"] >= 2 and sc["fx_currencies"] == 3
    assert not [key for key in NEW_SITUATIONS if sc[key] <= 0]


def test_ownership_changes_follow_the_previous_invoice_of_a_client_drafted_next_month(landing) -> None:
    """The invoice run's review names an ownership change dated after the client's latest invoice
    dated by T, when the client has a draft for the month after T (SPEC 6): the demo plants at least
    one such change (dated by T), and one older than its client's previous invoice (not reviewed)."""
    root, _, scenarios = landing
    events = _read(root / "contracting" / "client_events.csv")
    invoices = [i for i in _read(root / "accounting" / "invoices.csv")
                if date.fromisoformat(i["invoice_date"]) <= AS_OF]
    latest: dict[str, date] = {}
    for i in invoices:
        latest[i["client_id"]] = max(latest.get(i["client_id"], date.min), date.fromisoformat(i["invoice_date"]))
    draft_month = _next_month(AS_OF.replace(day=1))
    ids = {i["invoice_id"] for i in invoices}
    client_of = {i["invoice_id"]: i["client_id"] for i in invoices}
    billed_draft_month = {client_of[x["invoice_id"]] for x in _read(root / "accounting" / "invoice_lines.csv")
                          if x["invoice_id"] in ids and date.fromisoformat(x["service_month"]) == draft_month}
    contracts = _read(root / "contracting" / "contracts.csv")
    running = {c["client_id"] for c in contracts if date.fromisoformat(c["start_date"]) <= draft_month
               and (not c["end_date"] or date.fromisoformat(c["end_date"]) >= draft_month)}
    assert {e["event_type"] for e in events} == {"ownership_change"}
    after = [e for e in events if date.fromisoformat(e["event_date"]) > latest[e["client_id"]]]
    assert len(after) == scenarios["ownership_changes_to_review"] >= 1
    assert all(e["client_id"] in running and e["client_id"] not in billed_draft_month for e in after)
    assert len(events) - len(after) == scenarios["ownership_changes_already_invoiced"] == 1
