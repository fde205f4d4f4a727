"""End to end: the Dagster job materializes a small generated landing directory, and the
marts agree with figures derived here independently, in plain Python with Decimal, straight
from the landing files (restatement, account mapping, FX and billable rules re-implemented)."""

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
from orchestration.definitions import NIGHTLY_JOB, build_definitions
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


def _ads(landing: Path) -> list[dict[str, object]]:
    """Current spend rows: for each account-day, only the latest extraction."""
    rows = []
    for platform, (d, acct, cur, camp, amount) in {
        "google_ads": ("segments_date", "customer_id", "customer_currency_code", "campaign_id", "metrics_cost_micros"),
        "meta_ads": ("date_start", "account_id", "account_currency", "campaign_id", "spend"),
        "microsoft_ads": ("TimePeriod", "AccountId", "CurrencyCode", "CampaignId", "Spend"),
    }.items():
        for path in sorted((landing / "ads" / platform).iterdir()):
            frame = pl.read_parquet(path).cast(pl.String) if path.suffix == ".parquet" else pl.read_csv(
                path, infer_schema=False)
            for r in frame.iter_rows(named=True):
                value = Decimal(r[amount]) / 1_000_000 if platform == "google_ads" else Decimal(r[amount])
                rows.append({"platform": platform, "account": r[acct], "currency": r[cur], "campaign": r[camp],
                             "day": date.fromisoformat(r[d]), "amount": value, "extracted": r["extracted_at"],
                             "file": path.name})
    latest: dict[tuple, tuple] = {}
    for r in rows:
        key = (r["platform"], r["account"], r["day"])
        latest[key] = max(latest.get(key, ("", "")), (r["extracted"], r["file"]))
    return [r for r in rows if (r["extracted"], r["file"]) == latest[(r["platform"], r["account"], r["day"])]]


def _expected(landing: Path) -> dict[str, dict[str, Decimal]]:
    contracts = {c["contract_id"]: c for c in _csv(landing, "contracting/contracts.csv")}
    products = {p["product_code"]: p["pricing_model"] for p in _csv(landing, "contracting/products.csv")}
    clients = {c["client_id"]: c for c in _csv(landing, "contracting/clients.csv")}
    schedule = defaultdict(list)
    for b in _csv(landing, "contracting/budget_schedule.csv"):
        schedule[b["contract_id"]].append((date.fromisoformat(b["effective_date"]), Decimal(b["monthly_amount"])))
    accounts = {}
    for a in _csv(landing, "contracting/ad_accounts.csv"):
        acct = a["account_id"].replace("-", "").removeprefix("act_")
        accounts[(a["platform"], acct)] = a["contract_id"]
    rates = sorted((date.fromisoformat(r["rate_date"]), Decimal(r["usd_per_unit"]))
                   for r in _csv(landing, "fx/fx_rates.csv"))

    def rate(cur: str, d: date) -> Decimal:
        return Decimal(1) if cur == "USD" else [r for day, r in rates if day <= d][-1]

    def active(c: dict, d: date) -> bool:
        end = date.fromisoformat(c["end_date"]) if c["end_date"] else None
        return date.fromisoformat(c["start_date"]) <= d and (end is None or d <= end)

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
                d += timedelta(days=1)
            out[k][f"billable {month}"] = cents(total / last.day)
            out[k][f"to_date {month}"] = cents(to_date / last.day)
    for r in _ads(landing):
        k = accounts.get((r["platform"], r["account"]))
        if k is None or not active(contracts[k], r["day"]):
            continue
        client_cur = clients[contracts[k]["client_id"]]["currency"]
        amount = cents(r["amount"]) if r["currency"] == client_cur else cents(
            r["amount"] * rate(r["currency"], r["day"]) / rate(client_cur, r["day"]))
        month = r["day"].replace(day=1)
        out[k][f"spend {month}"] += amount
        if r["day"] <= AS_OF:
            out[k][f"spend_to_date {month}"] += amount
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
    for m in marts:
        e = expected[m["contract_id"]]
        billable_media, spend = e[f"billable {CLOSED}"], e[f"spend {CLOSED}"]
        assert (m["billable_media"], m["spend"]) == (billable_media, spend), m["contract_id"]
        assert m["underspend"] == billable_media - min(spend, billable_media)


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
