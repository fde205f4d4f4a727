"""End to end: the Dagster job materializes a small generated landing directory, and the
marts agree with figures derived here independently, in plain Python with Decimal, straight
from the landing files (account-id normalization, restatement with pull coverage, mapping of
one account to several contracts, FX, billable, billed-media and credit-due rules
re-implemented)."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest
from dagster import DagsterInstance

from ingest.demo import generate_landing
from orchestration.pipeline.definitions import NIGHTLY_JOB, build_definitions
from orchestration.settings import RevwhSettings
from tests.landing_builder import query, query_dicts

AS_OF = date(2026, 10, 15)
CLOSED = date(2026, 9, 1)
CENT = Decimal("0.01")


def cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, int]]:
    base = tmp_path_factory.mktemp("demo")
    landing, wh = base / "landing", base / "revwh.duckdb"
    counts = generate_landing(landing, as_of=AS_OF, size=20, seed=11)
    settings = RevwhSettings(landing_dir=str(landing), warehouse_path=str(wh), as_of=AS_OF.isoformat())
    job = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
        assert result.success
        materialized = {k.to_user_string() for k in instance.get_asset_keys()}
    assert {"raw/google_ads", "marts/budget_pacing", "published_warehouse"} <= materialized
    return landing, wh, counts


def _csv(landing: Path, rel: str) -> list[dict[str, str]]:
    with (landing / rel).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _normalize(platform: str, account: str) -> str:
    """Account ids compare after normalization: Google and Microsoft digits only, Meta without act_."""
    account = account.strip()
    if platform == "meta_ads":
        return account.removeprefix("act_")
    return "".join(ch for ch in account if ch.isdigit())


def _ads(landing: Path) -> list[dict[str, object]]:
    """Current spend rows: per platform, account and day, the rows of the latest extraction,
    none at all when a coverage file for that account and day was extracted later still."""
    rows = []
    coverage: dict[tuple[str, str], list[tuple[date, date, str]]] = defaultdict(list)
    for platform, (d, acct, cur, camp, amount) in {
        "google_ads": ("segments_date", "customer_id", "customer_currency_code", "campaign_id", "metrics_cost_micros"),
        "meta_ads": ("date_start", "account_id", "account_currency", "campaign_id", "spend"),
        "microsoft_ads": ("TimePeriod", "AccountId", "CurrencyCode", "CampaignId", "Spend"),
    }.items():
        for path in sorted((landing / "ads" / platform).iterdir()):
            if path.name.endswith(".coverage.csv"):
                for c in _csv(landing, f"ads/{platform}/{path.name}"):
                    coverage[(c["platform"], _normalize(c["platform"], c["account_id"]))].append(
                        (date.fromisoformat(c["start_date"]), date.fromisoformat(c["end_date"]), c["extracted_at"]))
                continue
            frame = pl.read_parquet(path).cast(pl.String) if path.suffix == ".parquet" else pl.read_csv(
                path, infer_schema=False)
            for r in frame.iter_rows(named=True):
                value = Decimal(r[amount]) / 1_000_000 if platform == "google_ads" else Decimal(r[amount])
                rows.append({"platform": platform, "account": _normalize(platform, r[acct]), "currency": r[cur],
                             "campaign": r[camp], "day": date.fromisoformat(r[d]), "amount": value,
                             "extracted": r["extracted_at"], "file": path.name})
    latest: dict[tuple, str] = {}
    for r in rows:
        key = (r["platform"], r["account"], r["day"])
        latest[key] = max(latest.get(key, ""), r["extracted"])
    emptied = {key for key, extracted in latest.items() if any(
        start <= key[2] <= end and stamp > extracted for start, end, stamp in coverage.get(key[:2], ()))}
    assert emptied, "the demo must have an account-day a later pull covered without rows"
    return [r for r in rows if r["extracted"] == latest[(r["platform"], r["account"], r["day"])]
            and (r["platform"], r["account"], r["day"]) not in emptied]


def _expected(landing: Path) -> dict[str, dict[str, Decimal]]:
    contracts = {c["contract_id"]: c for c in _csv(landing, "contracting/contracts.csv")}
    products = {p["product_code"]: p["pricing_model"] for p in _csv(landing, "contracting/products.csv")}
    clients = {c["client_id"]: c for c in _csv(landing, "contracting/clients.csv")}
    schedule = defaultdict(list)
    for b in _csv(landing, "contracting/budget_schedule.csv"):
        schedule[b["contract_id"]].append((date.fromisoformat(b["effective_date"]), Decimal(b["monthly_amount"])))
    accounts: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a in _csv(landing, "contracting/ad_accounts.csv"):
        accounts[(a["platform"], _normalize(a["platform"], a["account_id"]))].append(a["contract_id"])
    rates: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for r in _csv(landing, "fx/fx_rates.csv"):
        rates[r["currency"]].append((date.fromisoformat(r["rate_date"]), Decimal(r["usd_per_unit"])))

    def rate(cur: str, d: date) -> Decimal:
        return Decimal(1) if cur == "USD" else [r for day, r in sorted(rates[cur]) if day <= d][-1]

    def start(k: str) -> date:
        return date.fromisoformat(contracts[k]["start_date"])

    def active(c: dict, d: date) -> bool:
        end = date.fromisoformat(c["end_date"]) if c["end_date"] else None
        return date.fromisoformat(c["start_date"]) <= d and (end is None or d <= end)

    def attribute(mapped: list[str], d: date) -> tuple[str, bool] | None:
        """The mapped contract active on d; else (outside contract) the latest started on or before d,
        else the earliest starting one."""
        known = sorted((k for k in mapped if k in contracts), key=lambda k: (start(k), k))
        if not known:
            return None
        on = [k for k in known if active(contracts[k], d)]
        if on:
            return on[0], True
        before = [k for k in known if start(k) <= d]
        return (before[-1] if before else known[0]), False

    def amount_on(k: str, d: date) -> Decimal:
        return ([a for e, a in sorted(schedule[k]) if e <= d] or [Decimal(0)])[-1]

    out: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for k, c in contracts.items():
        if products[c["product_code"]] != "media":
            continue
        for month, last in ((CLOSED, date(2026, 9, 30)), (date(2026, 10, 1), date(2026, 10, 31))):
            d, total, to_date = month, Decimal(0), Decimal(0)
            while d <= last:
                if active(c, d):
                    total += amount_on(k, d)
                    to_date += amount_on(k, d) if d <= AS_OF else 0
                    out[k][f"active_days {month}"] += 1
                d += timedelta(days=1)
            out[k][f"billable {month}"] = cents(total / last.day)
            out[k][f"to_date {month}"] = cents(to_date / last.day)
    for r in _ads(landing):
        found = attribute(accounts.get((r["platform"], r["account"]), []), r["day"])
        if found is None:
            continue
        k, is_active = found
        client_cur = clients[contracts[k]["client_id"]]["currency"]
        amount = cents(r["amount"]) if r["currency"] == client_cur else cents(
            r["amount"] * rate(r["currency"], r["day"]) / rate(client_cur, r["day"]))
        out[k][f"all_spend active={is_active}"] += amount
        if not is_active:
            continue
        month = r["day"].replace(day=1)
        out[k][f"spend {month}"] += amount
        if r["day"] <= AS_OF:
            out[k][f"spend_to_date {month}"] += amount
    invoice_dates = {i["invoice_id"]: date.fromisoformat(i["invoice_date"])
                     for i in _csv(landing, "accounting/invoices.csv")}
    for line in _csv(landing, "accounting/invoice_lines.csv"):
        if line["line_type"] == "media" and invoice_dates.get(line["invoice_id"], date.max) <= AS_OF:
            out[line["contract_id"]][f"billed_media {line['service_month']}"] += Decimal(line["amount"])
    for m in _csv(landing, "accounting/credit_memos.csv"):
        if not m["contract_id"] or not m["service_month"] or date.fromisoformat(m["memo_date"]) > AS_OF:
            continue
        if m["reason"] == "underspend":
            out[m["contract_id"]][f"underspend_memos {m['service_month']}"] += Decimal(m["amount"])
        else:  # billing_error, dispute, goodwill: the media billed is reduced by them
            out[m["contract_id"]][f"billed_media {m['service_month']}"] -= Decimal(m["amount"])
    return out


def test_every_landed_row_is_accounted_for(demo) -> None:
    _landing, wh, counts = demo
    audit = query(wh, "select sum(landed_rows), sum(staged_rows + quarantined_rows + superseded_rows)"
                      " from marts.landing_audit")
    assert audit == [(sum(counts.values()), sum(counts.values()))]


def test_underspend_matches_independent_derivation(demo) -> None:
    landing, wh, _ = demo
    expected = _expected(landing)
    marts = query_dicts(wh, "select * from marts.underspend_credits where month = '2026-09-01'")
    assert marts, "the demo must have closed-month media contracts"
    assert {m["contract_id"] for m in marts} == {k for k, e in expected.items() if e[f"active_days {CLOSED}"]}
    for m in marts:
        e = expected[m["contract_id"]]
        billable_media, spend = e[f"billable {CLOSED}"], e[f"spend {CLOSED}"]
        delivered = min(spend, billable_media)
        underspend = billable_media - delivered
        billed = e[f"billed_media {CLOSED}"]
        credit_due = min(underspend, max(Decimal(0), billed - delivered))
        want = {"billable_media": billable_media, "spend": spend, "delivered_media": delivered,
                "underspend": underspend, "billed_media": billed, "credit_due": credit_due,
                "outstanding_liability": credit_due - e[f"underspend_memos {CLOSED}"]}
        got = {name: m.get(name) for name in want}
        assert got == want, m["contract_id"]


def test_spend_attribution_matches_independent_derivation(demo) -> None:
    """All current spend of mapped accounts, per contract: on its active days, and outside them
    (attributed to the latest contract started by then), after restatement and coverage."""
    landing, wh, _ = demo
    expected = _expected(landing)
    rows = query(wh, "select contract_id, is_contract_active, sum(spend) from marts.fct_ad_spend_daily"
                     " where contract_id is not null group by all")
    got = {(k, bool(a)): total for k, a, total in rows if total != 0}
    want = {(k, a): e[f"all_spend active={a}"] for k, e in expected.items() for a in (True, False)
            if e[f"all_spend active={a}"] != 0}
    assert got == want


def test_pacing_matches_independent_derivation(demo) -> None:
    landing, wh, _ = demo
    expected = _expected(landing)
    rows = query_dicts(wh, "select * from marts.budget_pacing")
    assert len(rows) >= 5
    october = date(2026, 10, 1)
    for r in rows:
        e = expected[r["contract_id"]]
        assert r["billable_media"] == e[f"billable {october}"]
        assert r["expected_to_date"] == e[f"to_date {october}"]
        assert r["spend_to_date"] == e[f"spend_to_date {october}"], r["contract_id"]


def test_the_benchmark_bound_agrees_with_revwh(demo: tuple[Path, Path, dict[str, int]], tmp_path: Path) -> None:
    """bench/limit.sql (the hand-written bound `make bench` times revwh against) computes the same
    fct_ad_spend_daily, budget_pacing and underspend_credits as revwh, row for row."""
    from bench.limit import compare_with_revwh, diff_path, run_limit

    landing, wh, _counts = demo
    bound = run_limit(landing, AS_OF, tmp_path / "bound.duckdb")
    assert compare_with_revwh(bound, wh), diff_path(bound).read_text()
    assert query(wh, "select count(*) > 100 from marts.fct_ad_spend_daily") == [(True,)]  # not an empty agreement
