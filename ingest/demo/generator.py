"""Generate a realistic landing directory for a car-dealer ad agency, deterministically.

Same (as_of, size, seed) -> byte-identical files: every random draw comes from random.Random
instances seeded from (seed, purpose) strings, nothing reads the clock (extracted_at stamps
are derived from the data's dates), and no float touches an amount (Decimal or integer cents,
rounded half up to cents). The data carries the situations the warehouse must handle:
mid-month starts, upsells, decreases, cancellations, reactivations and renewals (a new contract
from the day after the old one's month-end, on the same ad accounts), under- and over-pacing,
nightly 7-day re-pulls that restate recent days (with coverage files, and an account-day a
later pull reports empty), account ids spelled several ways (Google with and without dashes,
Meta with and without act_), CAD dealers with USD ad accounts, EUR and MXN rates nobody bills
in, unmapped ad accounts, spend after a cancellation, invoice errors, quarterly billing in
advance, wrong invoices reversed by a billing_error memo and issued again, late payers, short
pays, overpayments, unapplied cash, split payments, write-offs, client-level goodwill credits,
underspend credits owed but not yet issued, and dealerships sold since their last invoice (ownership
changes the invoice run's review list names).

Layout and columns are exactly SPEC section 1 (taken from ingest.contract).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ingest.contract import TABLES
from ingest.demo.accounting import write_accounting
from ingest.demo.ads import write_ads
from ingest.demo.calendar import money
from ingest.demo.catalog import OEM_PROGRAMS, PRODUCTS, RATE_CARD
from ingest.demo.events import client_events
from ingest.demo.world import World, build_world
from ingest.demo.writer import LandingWriter


@dataclass(frozen=True)
class DemoLanding:
    """What was written: rows per file, and how many of each deliberate situation the data holds."""

    files: dict[str, int]
    scenarios: dict[str, int]


def _ledger_items() -> list[list[str]]:
    """How a QuickBooks Online company file would name the products' items, for the QuickBooks
    connector (the demo's books themselves are file exports)."""
    rows: list[list[str]] = []
    for code, name, _line, pricing in PRODUCTS:
        if pricing == "media":
            rows += [[f"{name} media", code, "media"], [f"{name} management fee", code, "management_fee"],
                     [f"{name} underspend credit", code, "underspend"]]
        else:
            rows.append([name, code, "flat_fee"])
    return [*rows, ["Adjustment", "", "adjustment"]]


def _write_contracting(w: LandingWriter, world: World) -> Counter[str]:
    sc: Counter[str] = Counter()
    w.csv("clients", ([c.client_id, c.name, c.oem, c.country, c.currency, c.email] for c in world.clients))
    w.csv("products", PRODUCTS)
    w.csv("oem_programs", OEM_PROGRAMS)
    w.csv("contracts", ([c.contract_id, c.client.client_id, c.product, c.program, c.start.isoformat(),
                         c.end.isoformat() if c.end else ""] for c in world.contracts))
    w.csv("budget_schedule", ([c.contract_id, eff.isoformat(), money(amount)]
                              for c in world.contracts for eff, amount in c.schedule))
    w.csv("rate_card", ([product, money(lo), "" if hi is None else money(hi), str(pct)]
                        for product, tiers in RATE_CARD.items() for lo, hi, pct in tiers))
    w.csv("client_discounts", ([d.client_id, d.product, str(d.pct), d.effective_from.isoformat(),
                                d.effective_to.isoformat() if d.effective_to else ""] for d in world.discounts))
    w.csv("ad_accounts", ([a.platform, a.listed_id, c.contract_id] for c in world.contracts for a in c.accounts))
    w.csv("ledger_items", _ledger_items())  # QuickBooks Online item names (docs/connectors.md)
    for c in world.contracts:
        sc["contracts"] += 1
        sc["cancelled_contracts"] += c.end is not None and c.renewed_by is None
        sc["reactivations"] += c.reactivates is not None
        sc["renewals"] += c.renews is not None
        sc["ad_accounts_mapped_to_two_contracts"] += len(c.accounts) if c.renews is not None else 0
        sc["budget_changes"] += len(c.schedule) - 1
        sc["mid_month_starts"] += c.start.day != 1
        sc["contracts_pacing_under"] += c.pacing == "under"
        sc["contracts_pacing_over"] += c.pacing == "over"
        sc["contracts_with_spend_after_end"] += c.spend_after_end_days > 0
        sc["ad_accounts"] += len(c.accounts)
        sc["cross_currency_ad_accounts"] += sum(a.currency != c.client.currency for a in c.accounts)
        for a in c.accounts:
            sc["google_ids_listed_with_dashes"] += a.platform == "google_ads" and "-" in a.listed_id
            sc["google_ids_listed_bare"] += a.platform == "google_ads" and "-" not in a.listed_id
            sc["meta_ids_listed_with_act_prefix"] += a.platform == "meta_ads" and a.listed_id.startswith("act_")
            sc["meta_ids_listed_bare"] += a.platform == "meta_ads" and not a.listed_id.startswith("act_")
    sc["unmapped_ad_accounts"] = len(world.unmapped)
    sc["discounts"] = len(world.discounts)
    sc["cad_clients"] = sum(c.currency == "CAD" for c in world.clients)
    return sc


def _remove_previous_demo_files(out_dir: Path) -> None:
    """Delete files an earlier demo run wrote (e.g. re-pulls of another as_of), and only those.

    The loader takes every file present, so a stale pull would change the warehouse; but a
    directory may also hold files somebody dropped by hand, which are not ours to delete.
    """
    ads_file = r"_(history\.(csv|parquet)|pull_\d{4}-\d{2}-\d{2}(\.coverage)?\.csv)"
    for table in TABLES:
        if table.folder == "ads":
            continue  # pull coverage files (ad_coverage) sit in the platform folders, matched below
        folder = out_dir / table.folder
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            ours = path.name == f"{table.name}.csv" or (
                table.folder.startswith("ads/")
                and re.fullmatch(re.escape(table.name) + ads_file, path.name) is not None)
            if ours and path.is_file():
                path.unlink()


def generate(out_dir: Path, *, as_of: date, size: int = 300, seed: int = 7) -> DemoLanding:
    """Write the landing directory and report both row counts and the situations planted in it."""
    if size < 1:
        raise ValueError("size (number of dealers) must be at least 1")
    out_dir = Path(out_dir)
    _remove_previous_demo_files(out_dir)
    w = LandingWriter(out_dir)
    world = build_world(seed, size, as_of)
    scenarios = _write_contracting(w, world)
    rates = {"CAD": world.fx, **world.other_fx}
    w.csv("fx_rates", ([d.isoformat(), cur, f"{r:.6f}"] for d, cur, r in sorted(
        (d, cur, r) for cur, published in rates.items() for d, r in published.items())))
    scenarios["fx_currencies"] = len(rates)
    spend = write_ads(w, world, seed)
    scenarios["spend_rows_after_contract_end"] = spend.rows_after_end
    scenarios["spend_rows_unmapped"] = spend.unmapped_rows
    scenarios["empty_repull_account_days"] = spend.empty_repull_account_days
    scenarios["pull_coverage_files"] = spend.coverage_files
    scenarios["google_pull_files_with_dashed_ids"] = spend.dashed_id_pull_files
    books = write_accounting(w, world, spend, seed)
    scenarios.update(books.scenarios)
    events, planted = client_events(world, books, seed)
    w.csv("client_events", events)  # ownership changes: the invoice run's review list names them
    scenarios.update(planted)
    return DemoLanding(dict(sorted(w.counts.items())), dict(sorted(scenarios.items())))


def generate_landing(out_dir: Path, *, as_of: date, size: int = 300, seed: int = 7) -> dict[str, int]:
    """Write a complete landing directory; return {relative_file_path: row_count}."""
    return generate(out_dir, as_of=as_of, size=size, seed=seed).files
