"""Generate a realistic landing directory for a car-dealer ad agency, deterministically.

Same (as_of, size, seed) -> byte-identical files: one random.Random(seed), no clock, no floats
in amounts (Decimal throughout, rounded half up to cents). The data carries the situations the
warehouse must handle: mid-month starts, upsells, decreases, cancellations and reactivations,
under- and over-pacing, nightly 7-day re-pulls that restate recent days, CAD clients with USD
ad accounts, unmapped ad accounts, spend after a cancellation, invoice errors, late payers,
short pays, overpayments, unapplied cash, write-offs and underspend credits owed but not issued.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl

from ingest.contract import TABLES_BY_NAME
from ingest.demo.calendar import (
    add_months,
    amount_on,
    billable,
    cents,
    days,
    month_end,
    month_start,
    months,
)

OEMS = ["Toyota", "Honda", "Ford", "Chevrolet", "Hyundai", "Nissan", "Kia"]
MEDIA = ["SEARCH", "SOCIAL", "DISPLAY", "VIDEO"]
FLAT = ["SEO", "WEBSITE"]
PRODUCTS = [
    ("SEARCH", "Paid search", "search", "media"),
    ("SOCIAL", "Paid social", "social", "media"),
    ("DISPLAY", "Programmatic display", "display", "media"),
    ("VIDEO", "Online video", "video", "media"),
    ("SEO", "Search engine optimization", "seo", "flat"),
    ("WEBSITE", "Dealer website", "website", "flat"),
]
TIERS = [(Decimal("0"), Decimal("5000"), Decimal("0.15")), (Decimal("5000"), Decimal("15000"), Decimal("0.12")),
         (Decimal("15000"), None, Decimal("0.10"))]
PLATFORMS = {"SEARCH": ["google_ads", "google_ads", "microsoft_ads"], "SOCIAL": ["meta_ads"],
             "DISPLAY": ["google_ads"], "VIDEO": ["google_ads", "meta_ads"]}
TOWNS = ["Springfield", "Riverside", "Fairview", "Madison", "Georgetown", "Clinton", "Salem", "Franklin",
         "Greenville", "Bristol", "Oakville", "Laval", "Markham", "Surrey", "Kelowna"]


@dataclass
class Contract:
    contract_id: str
    client_id: str
    product: str
    program: str
    start: date
    end: date | None
    schedule: list[tuple[date, Decimal]]
    accounts: list[tuple[str, str, str, Decimal]] = field(default_factory=list)  # platform, id, currency, share

    def active(self, d: date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)


@dataclass
class Client:
    client_id: str
    name: str
    oem: str
    country: str
    currency: str
    pay_style: str  # on_time | late | very_late


def _d(x: float | int | str) -> Decimal:
    return Decimal(str(x))


def _money(x: Decimal) -> str:
    return f"{cents(x):.2f}"


class _Writer:
    """Writes CSVs with the SPEC columns and counts rows per file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.counts: dict[str, int] = {}

    def csv(self, table: str, rows: list[list[object]], name: str | None = None) -> None:
        spec = TABLES_BY_NAME[table]
        path = self.root / spec.folder / (name or f"{table}.csv")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(spec.columns)
            w.writerows([["" if v is None else v for v in r] for r in rows])
        self.counts[f"{spec.folder}/{path.name}"] = len(rows)

    def parquet(self, table: str, rows: list[list[object]], name: str) -> None:
        spec = TABLES_BY_NAME[table]
        path = self.root / spec.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        columns = {c: [r[i] for r in rows] for i, c in enumerate(spec.columns)}
        pl.DataFrame(columns, schema={c: (pl.Int64 if c.startswith("metrics_") else pl.String)
                                      for c in spec.columns}).write_parquet(path)
        self.counts[f"{spec.folder}/{path.name}"] = len(rows)


def _fx_rates(rng: random.Random, first: date, as_of: date) -> dict[date, Decimal]:
    """Business-day CAD rates around 0.73 (weekends absent: the latest earlier rate applies)."""
    rates, rate = {}, Decimal("0.730000")
    for d in days(first - timedelta(days=7), as_of):
        rate = max(Decimal("0.690000"), min(Decimal("0.770000"), rate + _d(rng.randint(-150, 150)) / 100000))
        if d.weekday() < 5:
            rates[d] = rate.quantize(Decimal("0.000001"))
    return rates


def _rate_on(rates: dict[date, Decimal], d: date) -> Decimal:
    while d not in rates:
        d -= timedelta(days=1)
    return rates[d]


def _clients(rng: random.Random, size: int) -> list[Client]:
    clients = []
    for i in range(1, size + 1):
        oem = OEMS[rng.randrange(len(OEMS))]
        canadian = rng.random() < 0.15
        style = rng.choices(["on_time", "late", "very_late"], [70, 22, 8])[0]
        town = TOWNS[rng.randrange(11, 15) if canadian else rng.randrange(11)]
        clients.append(Client(f"CL{i:05d}", f"{town} {oem}", oem, "CA" if canadian else "US",
                              "CAD" if canadian else "USD", style))
    return clients


def _contracts(rng: random.Random, clients: list[Client], first: date, as_of: date) -> list[Contract]:
    contracts: list[Contract] = []

    def new_id() -> str:
        return f"K{len(contracts) + 1:06d}"

    for cl in clients:
        enrolled = rng.random() < 0.6
        products = rng.sample(MEDIA, rng.choice([1, 1, 2, 2, 3]))
        products += [p for p in FLAT if rng.random() < (0.4 if p == "SEO" else 0.2)]
        for product in products:
            span = (as_of - first).days
            start = first + timedelta(days=rng.randrange(int(span * 0.7)))
            if rng.random() < 0.3:
                start = month_start(start)
            media = product in MEDIA
            base = _d(rng.randrange(20, 600) * 50) if media else _d(rng.randrange(12, 60) * 25)
            schedule = [(start, base)]
            for _ in range(rng.choice([0, 0, 1, 1, 2])):
                when = start + timedelta(days=rng.randrange(30, max(31, (as_of - start).days)))
                if when > as_of:
                    continue
                if rng.random() < 0.4:
                    when = month_start(when) if month_start(when) > start else when
                factor = _d(rng.choice([1.1, 1.2, 1.25, 1.5, 0.9, 0.8, 0.75]))
                schedule.append((when, cents(schedule[-1][1] * factor)))
            schedule = sorted(dict(schedule).items())  # one amount per effective date
            end = None
            if rng.random() < 0.14 and (as_of - start).days > 75:
                end = start + timedelta(days=rng.randrange(60, (as_of - start).days))
                schedule = [s for s in schedule if s[0] <= end]
            program = f"{cl.oem[:3].upper()}-COOP" if enrolled and product in ("SEARCH", "SOCIAL", "DISPLAY") else ""
            c = Contract(new_id(), cl.client_id, product, program, start, end, schedule)
            contracts.append(c)
            if end is not None and rng.random() < 0.45:  # reactivation 1-3 months later
                restart = month_start(add_months(end, rng.randint(1, 3)))
                if restart <= as_of:
                    contracts.append(Contract(new_id(), cl.client_id, product, program, restart, None,
                                              [(restart, cents(base * _d(rng.choice([0.8, 1, 1.2]))))]))
    return contracts


def _assign_accounts(rng: random.Random, contracts: list[Contract], clients: dict[str, Client]) -> None:
    seq = 0
    for c in contracts:
        if c.product not in MEDIA:
            continue
        platforms = [rng.choice(PLATFORMS[c.product])]
        if rng.random() < 0.25:
            platforms.append(rng.choice([p for p in ("google_ads", "meta_ads", "microsoft_ads") if p != platforms[0]]))
        shares = [Decimal(1)] if len(platforms) == 1 else [Decimal("0.7"), Decimal("0.3")]
        client = clients[c.client_id]
        for platform, share in zip(platforms, shares, strict=True):
            seq += 1
            currency = "USD" if client.currency == "CAD" and rng.random() < 0.3 else client.currency
            account = {"google_ads": f"{7000000000 + seq * 7919:010d}", "meta_ads": f"{10150000 + seq * 31}",
                       "microsoft_ads": f"{150000000 + seq * 13}"}[platform]
            c.accounts.append((platform, account, currency, share))


@dataclass
class _SpendRow:
    platform: str
    account: str
    currency: str
    campaign_id: str
    campaign_name: str
    day: date
    amount: Decimal  # account currency, cents
    impressions: int
    clicks: int


def _spend(rng: random.Random, contracts: list[Contract], clients: dict[str, Client],
           rates: dict[date, Decimal], as_of: date) -> list[_SpendRow]:
    rows: list[_SpendRow] = []
    for c in contracts:
        if not c.accounts:
            continue
        client = clients[c.client_id]
        last = min(c.end or as_of, as_of)
        overrun = c.end is not None and c.end < as_of and rng.random() < 0.1  # spend after cancellation
        if overrun:
            last = min(c.end + timedelta(days=rng.randint(1, 3)), as_of)
        pacing: dict[date, Decimal] = {}
        for platform, account, currency, share in c.accounts:
            campaigns = [(f"{account[-4:]}{k}", name) for k, name in enumerate(
                rng.sample(["Brand", "New inventory", "Used inventory", "Service & parts", "Conquest"],
                           rng.randint(2, 3)))]
            weights = [_d(rng.randint(2, 6)) for _ in campaigns]
            total_w = sum(weights)
            for d in days(c.start, last):
                m = month_start(d)
                if m not in pacing:
                    pacing[m] = _d(rng.choice([0.6, 0.7, 0.8, 0.85] if rng.random() < 0.15 else
                                              [1.12, 1.18, 1.25] if rng.random() < 0.12 else
                                              [0.95, 0.97, 1.0, 1.02, 1.04]))
                amount = amount_on(c.schedule, min(d, c.end or d)) / month_end(d).day * pacing[m] * share
                amount *= _d(rng.randint(70, 130)) / 100
                if currency != client.currency:  # CAD client, USD account
                    amount *= _rate_on(rates, d)
                for (cid, name), w in zip(campaigns, weights, strict=True):
                    part = cents(amount * w / total_w)
                    if part > 0:
                        impressions = int(part * rng.randint(40, 120))
                        rows.append(_SpendRow(platform, account, currency, cid, f"{client.name} {name}", d, part,
                                              impressions, max(0, impressions // rng.randint(30, 80))))
    return rows


def _stamp(d: date) -> str:
    """extracted_at of a pull made in the night after day d."""
    return (datetime(d.year, d.month, d.day, 2, 0, 0) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ad_row(r: _SpendRow, amount: Decimal, extracted: str, tz: str) -> list[object]:
    if r.platform == "google_ads":
        return [r.day.isoformat(), r.account, r.currency, tz, r.campaign_id, r.campaign_name,
                int(amount * 1_000_000), r.impressions, r.clicks, extracted]
    return [r.day.isoformat(), r.account, r.currency, r.campaign_id, r.campaign_name, _money(amount),
            r.impressions, r.clicks, extracted]


def _write_ads(rng: random.Random, w: _Writer, rows: list[_SpendRow], as_of: date) -> None:
    """A history file per platform (through T-8) plus 10 nightly 7-day re-pulls restating values."""
    history_end = as_of - timedelta(days=8)
    nights = [as_of - timedelta(days=k) for k in range(9, -1, -1)]  # pulls after these nights
    for platform in ("google_ads", "meta_ads", "microsoft_ads"):
        mine = [r for r in rows if r.platform == platform]
        history = [_ad_row(r, r.amount, _stamp(r.day), "America/Toronto" if r.currency == "CAD" else
                           "America/Chicago") for r in mine if r.day <= history_end]
        if platform == "google_ads":
            w.parquet(platform, history, "google_ads_history.parquet")
        else:
            w.csv(platform, history, f"{platform}_history.csv")
        for night in nights:
            window = [r for r in mine if night - timedelta(days=6) <= r.day <= night]
            extracted = _stamp(night)
            pull = []
            for r in window:
                final = night >= r.day + timedelta(days=6) or night == as_of
                amount = r.amount if final else cents(r.amount * _d(rng.randint(97, 103)) / 100)
                pull.append(_ad_row(r, amount, extracted, "America/Chicago"))
            if window and rng.random() < 0.5:  # a campaign that a later pull no longer reports
                r = window[0]
                ghost = _SpendRow(r.platform, r.account, r.currency, r.campaign_id + "9", "Paused test",
                                  night - timedelta(days=6), Decimal("3.21"), 40, 1)
                if night < as_of - timedelta(days=6):
                    pull.append(_ad_row(ghost, ghost.amount, extracted, "America/Chicago"))
            w.csv(platform, pull, f"{platform}_pull_{(night + timedelta(days=1)).isoformat()}.csv")


def _fee(c: Contract, month: date, amount: Decimal, discounts: dict[tuple[str, str], Decimal]) -> Decimal:
    if c.product not in MEDIA:
        return Decimal("0.00")
    last = min(c.end or month_end(month), month_end(month))
    budget = amount_on(c.schedule, last)
    pct = next(p for lo, hi, p in TIERS if budget >= lo and (hi is None or budget < hi))
    return cents(amount * pct * (1 - discounts.get((c.client_id, c.product), Decimal(0))))


def generate_landing(out_dir: Path, *, as_of: date, size: int = 300, seed: int = 7) -> dict[str, int]:
    """Write a complete landing directory; return {relative_file_path: row_count}."""
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    w = _Writer(out_dir)
    first = month_start(add_months(as_of, -14))
    rates = _fx_rates(rng, first, as_of)
    clients = _clients(rng, size)
    by_id = {c.client_id: c for c in clients}
    contracts = _contracts(rng, clients, first, as_of)
    _assign_accounts(rng, contracts, by_id)
    discounts = {(c.client_id, c.product): Decimal("0.10") for c in contracts
                 if c.product in MEDIA and rng.random() < 0.08}

    w.csv("clients", [[c.client_id, c.name, c.oem, c.country, c.currency,
                       f"billing@{c.name.lower().replace(' ', '').replace('&', '')}.example"] for c in clients])
    w.csv("products", [list(p) for p in PRODUCTS])
    w.csv("oem_programs", [[f"{o[:3].upper()}-COOP", o, rng.choice(["0.50", "0.40", "0.60"]),
                            rng.choice(["1500.00", "2500.00", "5000.00"]), "SEARCH|SOCIAL|DISPLAY"] for o in OEMS])
    w.csv("contracts", [[c.contract_id, c.client_id, c.product, c.program, c.start.isoformat(),
                         c.end.isoformat() if c.end else ""] for c in contracts])
    w.csv("budget_schedule", [[c.contract_id, e.isoformat(), _money(a)] for c in contracts for e, a in c.schedule])
    w.csv("rate_card", [[p, f"{lo:.2f}", "" if hi is None else f"{hi:.2f}", f"{pct}"]
                        for p in MEDIA for lo, hi, pct in TIERS])
    w.csv("client_discounts", [[cl, p, f"{d}", first.isoformat(), ""] for (cl, p), d in sorted(discounts.items())])
    ad_rows = []
    for c in contracts:
        for platform, account, _cur, _share in c.accounts:
            shown = f"{account[:3]}-{account[3:6]}-{account[6:]}" if platform == "google_ads" and rng.random() < 0.3 \
                else (f"act_{account}" if platform == "meta_ads" and rng.random() < 0.3 else account)
            ad_rows.append([platform, shown, c.contract_id])
    w.csv("ad_accounts", ad_rows)

    spend = _spend(rng, contracts, by_id, rates, as_of)
    for k in range(3):  # unmapped accounts: spend nobody contracted for
        platform = ("google_ads", "meta_ads", "microsoft_ads")[k]
        account = {"google_ads": f"{9900000000 + k:010d}", "meta_ads": f"{99000000 + k}",
                   "microsoft_ads": f"{990000000 + k}"}[platform]
        for d in days(as_of - timedelta(days=20), as_of):
            spend.append(_SpendRow(platform, account, "USD", f"{k}77", "Unknown dealer test", d,
                                   _d(rng.randint(1000, 9000)) / 100, 500, 10))
    _write_ads(rng, w, spend, as_of)
    w.csv("fx_rates", [[d.isoformat(), "CAD", f"{r:.6f}"] for d, r in sorted(rates.items()) if d >= first])
    _write_accounting(rng, w, clients, contracts, spend, discounts, rates, as_of)
    return dict(sorted(w.counts.items()))


def _write_accounting(rng: random.Random, w: _Writer, clients: list[Client], contracts: list[Contract],
                      spend: list[_SpendRow], discounts: dict[tuple[str, str], Decimal],
                      rates: dict[date, Decimal], as_of: date) -> None:
    first = month_start(add_months(as_of, -14))
    by_client: dict[str, list[Contract]] = {}
    for c in contracts:
        by_client.setdefault(c.client_id, []).append(c)
    client_of = {c.client_id: c for c in clients}
    invoices, lines, memos, payments, applications, write_offs = [], [], [], [], [], []
    inv_seq = pay_seq = memo_seq = 0
    open_invoices: list[tuple[str, str, date, Decimal]] = []  # id, client, date, total
    for cl in clients:
        for m in months(first, add_months(as_of, 1)):
            inv_date = m if rng.random() < 0.7 else m - timedelta(days=rng.randint(2, 6))
            if inv_date > as_of:
                continue
            inv_lines: list[list[object]] = []
            for c in by_client.get(cl.client_id, []):
                after_cancel = c.end is not None and month_start(c.end) < m <= add_months(month_start(c.end), 1) \
                    and rng.random() < 0.25
                overlaps = c.start <= month_end(m) and (c.end is None or c.end >= m)
                if not overlaps and not after_cancel:
                    continue
                amount = billable(c.schedule, c.start, c.end, m)
                if after_cancel:  # billed as if the contract were still running
                    amount = cents(c.schedule[-1][1])
                if amount <= 0 or rng.random() < 0.02:  # a missing invoice line
                    continue
                if rng.random() < 0.02:
                    amount = cents(amount * _d(rng.choice([0.95, 1.05, 1.1])))  # wrong amount
                line_type = "media" if c.product in MEDIA else "flat_fee"
                inv_lines.append([c.contract_id, m.isoformat(), line_type, _money(amount)])
                fee = _fee(c, m, amount, discounts)
                if fee > 0:
                    inv_lines.append([c.contract_id, m.isoformat(), "management_fee", _money(fee)])
            if not inv_lines:
                continue
            if rng.random() < 0.005:
                inv_lines.append(["K999999", m.isoformat(), "adjustment", "150.00"])  # no such contract
            inv_seq += 1
            inv_id = f"INV-{inv_seq:06d}"
            total = sum((Decimal(r[3]) for r in inv_lines), Decimal(0))
            header = total + (Decimal("10.00") if rng.random() < 0.01 else 0)
            invoices.append([inv_id, cl.client_id, inv_date.isoformat(), (inv_date + timedelta(days=30)).isoformat(),
                             cl.currency, _money(header)])
            lines += [[inv_id, n, *r] for n, r in enumerate(inv_lines, 1)]
            open_invoices.append((inv_id, cl.client_id, inv_date, total))
    # Payments
    for inv_id, client_id, inv_date, total in open_invoices:
        style = client_of[client_id].pay_style
        delay = {"on_time": rng.randint(5, 30), "late": rng.randint(31, 85), "very_late": rng.randint(60, 160)}[style]
        pay_date = inv_date + timedelta(days=delay)
        if pay_date > as_of or (style == "very_late" and rng.random() < 0.2):
            continue
        roll = rng.random()
        paid = total if roll > 0.07 else cents(total * _d(rng.randint(90, 99)) / 100)  # short pay
        if 0.07 <= roll < 0.08:
            paid = total + Decimal("50.00")  # overpayment
        pay_seq += 1
        pay_id = f"PAY-{pay_seq:06d}"
        payments.append([pay_id, client_id, pay_date.isoformat(), _money(paid),
                         rng.choice(["ach", "ach", "check", "card", "wire"]), f"REF{pay_seq:07d}"])
        if rng.random() < 0.01:
            continue  # unapplied cash
        applications.append([pay_id, inv_id, _money(paid)])
        short = total - paid
        if short > 0 and rng.random() < 0.5:
            wo_date = inv_date + timedelta(days=150)
            if wo_date <= as_of:
                write_offs.append([inv_id, wo_date.isoformat(), _money(short), "short pay under threshold"])
    # Underspend credit memos: issued for most closed months, some still owed
    spend_by: dict[tuple[str, date], Decimal] = {}
    account_contract = {(p, a): (c, cur) for c in contracts for p, a, cur, _s in c.accounts}
    for r in spend:
        hit = account_contract.get((r.platform, r.account))
        if hit is None or not hit[0].active(r.day):
            continue
        c = hit[0]
        amount = r.amount
        if r.currency != client_of[c.client_id].currency:
            amount = cents(amount / _rate_on(rates, r.day))
        key = (c.contract_id, month_start(r.day))
        spend_by[key] = spend_by.get(key, Decimal(0)) + amount
    for c in contracts:
        if c.product not in MEDIA:
            continue
        for m in months(c.start, min(c.end or as_of, as_of)):
            if month_end(m) > as_of:
                continue
            bill = billable(c.schedule, c.start, c.end, m)
            under = bill - min(spend_by.get((c.contract_id, m), Decimal(0)), bill)
            memo_date = month_end(m) + timedelta(days=rng.randint(8, 20))
            if under > 0 and memo_date <= as_of and rng.random() < 0.6:
                memo_seq += 1
                memos.append([f"CM-{memo_seq:05d}", c.client_id, c.contract_id, m.isoformat(), memo_date.isoformat(),
                              _money(under), "underspend", ""])
    for _ in range(max(2, len(clients) // 30)):
        inv_id, client_id, inv_date, total = open_invoices[rng.randrange(len(open_invoices))]
        memo_seq += 1
        memo_date = min(inv_date + timedelta(days=rng.randint(5, 40)), as_of)
        memos.append([f"CM-{memo_seq:05d}", client_id, "", "", memo_date.isoformat(),
                      _money(min(total, _d(rng.randint(50, 400)))),
                      rng.choice(["dispute", "billing_error", "goodwill"]), inv_id])
    w.csv("invoices", invoices)
    w.csv("invoice_lines", lines)
    w.csv("credit_memos", memos)
    w.csv("payments", payments)
    w.csv("payment_applications", applications)
    w.csv("write_offs", write_offs)
