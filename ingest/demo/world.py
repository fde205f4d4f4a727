"""The contracting "truth" of the demo: dealers, their contracts, budgets, ad accounts, discounts, FX.

Everything downstream (spend, invoices, payments) is derived from these objects, so the
generator knows the right answer for every figure the warehouse computes and can break the
accounting data on purpose, in counted places only.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from ingest.demo.calendar import ONE_DAY, add_months, amount_on, cents, days, month_end, month_start, months
from ingest.demo.catalog import (
    BRANDS,
    CA_TOWNS,
    CAMPAIGN_THEMES,
    CPM_CENTS,
    CTR_BP,
    EMAIL_LOCAL_PARTS,
    FAMILY_NAMES,
    FLAT,
    MEDIA,
    MODELS,
    OEM_WEIGHTS,
    OEMS,
    PRODUCT_LABEL,
    PRODUCT_WEIGHTS,
    PROGRAM_BY_OEM,
    US_TOWNS,
)

MEDIA_MIN, MEDIA_MAX = Decimal("1000.00"), Decimal("30000.00")
FLAT_MIN, FLAT_MAX = Decimal("500.00"), Decimal("3000.00")


@dataclass
class Client:
    """A dealer (the billed customer) and how it behaves as a payer."""

    client_id: str
    name: str
    oem: str
    country: str
    currency: str
    email: str
    time_zone: str
    pay_style: str  # on_time | late | very_late
    method: str  # card | ach | check | wire
    batches_payments: bool  # pays two invoices with one payment now and then
    enrolled: bool  # in its OEM's co-op program (when the OEM has one)


@dataclass
class Campaign:
    """One campaign of an ad account, with its delivery economics (integers, no floats)."""

    campaign_id: str
    name: str
    weight: int
    cpm_cents: int
    ctr_bp: int


@dataclass
class AdAccount:
    """An ad account on one platform; `listed_id` is how ad_accounts.csv spells it."""

    platform: str
    account_id: str
    listed_id: str
    currency: str
    time_zone: str
    share_pct: int  # share of the contract's budget this account spends, in percent
    campaigns: list[Campaign]
    contract_id: str | None = None  # None: an unmapped account (spend nobody contracted for)


@dataclass
class Contract:
    """A contract line: one client, one product, a budget schedule and an active period."""

    contract_id: str
    client: Client
    product: str
    program: str
    start: date
    end: date | None
    schedule: list[tuple[date, Decimal]]
    pacing: str = "normal"  # normal | under | over
    accounts: list[AdAccount] = field(default_factory=list)
    spend_after_end_days: int = 0  # >0: the campaigns kept running this many days after end
    reactivates: Contract | None = None  # the earlier, cancelled contract this one replaces
    renews: Contract | None = None  # the contract this one renews (ended the day before this starts)
    renewed_by: Contract | None = None  # the renewal that took over this contract's ad accounts

    @property
    def is_media(self) -> bool:
        """Media contracts carry a budget, a fee and ad accounts; flat ones a fixed fee."""
        return self.product in MEDIA

    def active(self, d: date) -> bool:
        """SPEC: start_date <= d <= end_date (or no end_date)."""
        return self.start <= d and (self.end is None or d <= self.end)


@dataclass
class Discount:
    """A row of the client's discounted rate list (reduces the fee, not the media)."""

    client_id: str
    product: str
    pct: Decimal
    effective_from: date
    effective_to: date | None


@dataclass
class World:
    """All contracting data of the demo, plus the FX rates every conversion uses."""

    first_month: date
    as_of: date
    clients: list[Client]
    contracts: list[Contract]
    discounts: list[Discount]
    unmapped: list[AdAccount]
    fx: dict[date, Decimal]  # published CAD rates (business days only)
    cad_rate: dict[date, Decimal]  # CAD rate in force on every calendar day (latest earlier rate)
    other_fx: dict[str, dict[date, Decimal]] = field(default_factory=dict)  # EUR, MXN: listed, never billed

    def discount_on(self, client_id: str, product: str, d: date) -> Decimal:
        """The client's discount for the product in force on d (0 when none)."""
        pct = Decimal(0)
        for disc in self.discounts_by_key.get((client_id, product), ()):
            if disc.effective_from <= d and (disc.effective_to is None or d <= disc.effective_to):
                pct = disc.pct
        return pct

    def __post_init__(self) -> None:
        self.discounts_by_key: dict[tuple[str, str], list[Discount]] = {}
        for disc in sorted(self.discounts, key=lambda x: x.effective_from):
            self.discounts_by_key.setdefault((disc.client_id, disc.product), []).append(disc)


class _Ids:
    """Unique random numeric ids per namespace, like the platforms hand out."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def digits(self, n: int, first: str = "") -> str:
        """A fresh n-digit id (no leading zero) starting with `first`."""
        while True:
            rest = n - 1 - len(first)
            body = f"{first}{self.rng.randint(1, 9)}{self.rng.randrange(10**rest):0{rest}d}"
            if body not in self.used:
                self.used.add(body)
                return body


# usd_per_unit in millionths per currency: (start, mean, lowest, highest, largest daily step).
FX_WALKS: dict[str, tuple[int, int, int, int, int]] = {
    "CAD": (730000, 725000, 700500, 749500, 1800),
    "EUR": (1080000, 1082000, 1040000, 1125000, 2600),
    "MXN": (55200, 55000, 51500, 58800, 160),
}


def build_fx(rng: random.Random, first: date, as_of: date,
             currency: str = "CAD") -> tuple[dict[date, Decimal], dict[date, Decimal]]:
    """Business-day rates of one currency (6 places) and the rate in force on every calendar day.

    CAD stays within 0.70-0.75, EUR around 1.08, MXN around 0.055. Weekends and a few bank
    holidays have no published rate, so the warehouse's "latest earlier rate" rule is
    exercised every week.
    """
    micro, mean, lowest, highest, step = FX_WALKS[currency]  # integer random walk, mean-reverting
    published: dict[date, Decimal] = {}
    in_force: dict[date, Decimal] = {}
    current = Decimal(micro).scaleb(-6)
    for d in days(first - timedelta(days=14), as_of):
        holiday = (d.month, d.day) in ((1, 1), (7, 1), (12, 25), (12, 26))
        if d.weekday() < 5 and not holiday:
            micro += rng.randint(-step, step) + (mean - micro) // 40
            micro = max(lowest, min(highest, micro))
            current = Decimal(micro).scaleb(-6)
            published[d] = current
        in_force[d] = current
    return published, in_force


def _client_name(rng: random.Random, oem: str, town: str, taken: set[str]) -> str:
    brand = rng.choice(BRANDS[oem])
    pattern = rng.randrange(4)
    if pattern == 0:
        name = f"{town} {brand}"
    elif pattern == 1:
        name = f"{brand} of {town}"
    elif pattern == 2:
        name = f"{rng.choice(FAMILY_NAMES)} {brand}"
    else:
        name = f"{rng.choice(FAMILY_NAMES)} {brand} of {town}"
    base, n = name, 2
    while name in taken:
        name = f"{base} {'II III IV V VI VII VIII IX X'.split()[min(n - 2, 8)]}" if n <= 10 else f"{base} #{n}"
        n += 1
    taken.add(name)
    return name


def build_clients(rng: random.Random, size: int) -> list[Client]:
    """`size` dealers across OEMs, ~15% Canadian (billed in CAD), with payer habits."""
    clients, taken = [], set()
    for i in range(1, size + 1):
        oem = rng.choices(OEMS, OEM_WEIGHTS)[0]
        canadian = rng.random() < 0.15
        town, _region, tz = rng.choice(CA_TOWNS if canadian else US_TOWNS)
        name = _client_name(rng, oem, town, taken)
        slug = "".join(ch for ch in name.lower() if ch.isalnum())
        email = f"{rng.choice(EMAIL_LOCAL_PARTS)}@{slug}.example"
        clients.append(Client(
            client_id=f"CL-{i:05d}",
            name=name,
            oem=oem,
            country="CA" if canadian else "US",
            currency="CAD" if canadian else "USD",
            email=email,
            time_zone=tz,
            pay_style=rng.choices(("on_time", "late", "very_late"), (62, 27, 11))[0],
            method=rng.choices(("ach", "check", "card", "wire"), (45, 30, 15, 10))[0],
            batches_payments=rng.random() < 0.15,
            enrolled=oem in PROGRAM_BY_OEM and rng.random() < 0.7,
        ))
    if size >= 2 and not any(c.currency == "CAD" for c in clients):  # small demos still show CAD billing
        last = clients[-1]
        town, _region, last.time_zone = rng.choice(CA_TOWNS)
        last.country, last.currency = "CA", "CAD"
        last.name = _client_name(rng, last.oem, town, taken)
        last.email = f"{last.email.split('@')[0]}@{''.join(ch for ch in last.name.lower() if ch.isalnum())}.example"
    return clients


def _round_budget(rng: random.Random, amount: Decimal, media: bool) -> Decimal:
    """Budgets are mostly round numbers, sometimes odd ones with cents (a negotiated figure)."""
    lo, hi = (MEDIA_MIN, MEDIA_MAX) if media else (FLAT_MIN, FLAT_MAX)
    amount = min(hi, max(lo, amount))
    if rng.random() < 0.8:
        step = Decimal(50) if media else Decimal(25)
        amount = min(hi, max(lo, (amount / step).to_integral_value() * step))
    return cents(amount)


def _schedule(rng: random.Random, product: str, start: date, as_of: date) -> list[tuple[date, Decimal]]:
    """The first budget plus upsells and decreases, some effective mid-month."""
    media = product in MEDIA
    if media:
        if rng.random() < 0.85:
            base = Decimal(rng.randrange(20, 601) * 50)  # 1,000 - 30,000 in steps of 50
        else:
            base = Decimal(rng.randrange(100000, 3000001)).scaleb(-2)  # a negotiated figure with cents
    elif product == "SEO":
        base = Decimal(rng.randrange(15, 61) * 50)  # 750 - 3000
    else:
        base = Decimal(rng.randrange(20, 61) * 25)  # 500 - 1500
    schedule = [(start, cents(base))]
    changes = rng.choices((0, 1, 2, 3), (45, 30, 17, 8))[0] if media else rng.choices((0, 1), (85, 15))[0]
    for _ in range(changes):
        earliest = schedule[-1][0] + timedelta(days=28)
        if earliest > as_of:
            break
        when = earliest + timedelta(days=rng.randrange((as_of - earliest).days + 1))
        if rng.random() < 0.6 and month_start(add_months(when, 1)) <= as_of:
            when = month_start(add_months(when, 1))  # most changes start with a month
        if media:
            factor = (Decimal(rng.randint(110, 150)) if rng.random() < 0.6 else Decimal(rng.randint(70, 90))) / 100
        else:
            factor = Decimal(rng.randint(105, 115)) / 100  # a price increase on a flat service
        amount = _round_budget(rng, schedule[-1][1] * factor, media)
        if amount != schedule[-1][1]:
            schedule.append((when, amount))
    return schedule


def _campaigns(rng: random.Random, ids: _Ids, platform: str, product: str, client: Client) -> list[Campaign]:
    themes = list(CAMPAIGN_THEMES[product])
    chosen = rng.sample(themes, min(len(themes), rng.randint(2, 4)))
    out = []
    for theme in chosen:
        label = theme.replace("{model}", rng.choice(MODELS[client.oem]))
        cid = ids.digits({"google_ads": 11, "meta_ads": 18, "microsoft_ads": 9}[platform],
                         "12" if platform == "meta_ads" else "")
        cpm_lo, cpm_hi = CPM_CENTS[product]
        ctr_lo, ctr_hi = CTR_BP[product]
        out.append(Campaign(cid, f"{client.name} | {PRODUCT_LABEL[product]} | {label}", rng.randint(2, 8),
                            rng.randint(cpm_lo, cpm_hi), rng.randint(ctr_lo, ctr_hi)))
    return out


def new_account(rng: random.Random, ids: _Ids, platform: str, product: str, client: Client, currency: str,
                share_pct: int, contract_id: str | None) -> AdAccount:
    """A fresh ad account; ad_accounts.csv sometimes spells it the way the platform UI shows it."""
    if platform == "google_ads":
        account_id = ids.digits(10)
        listed = f"{account_id[:3]}-{account_id[3:6]}-{account_id[6:]}" if rng.random() < 0.3 else account_id
    elif platform == "meta_ads":
        account_id = ids.digits(15)
        listed = f"act_{account_id}" if rng.random() < 0.3 else account_id
    else:
        account_id = ids.digits(9, "1")
        listed = account_id
    return AdAccount(platform, account_id, listed, currency, client.time_zone, share_pct,
                     _campaigns(rng, ids, platform, product, client), contract_id)


def _spellings(account: AdAccount) -> tuple[str, str]:
    """(bare id, id as the platform's UI shows it): Google with dashes, Meta with act_."""
    a = account.account_id
    if account.platform == "google_ads":
        return a, f"{a[:3]}-{a[3:6]}-{a[6:]}"
    if account.platform == "meta_ads":
        return a, f"act_{a}"
    return a, a


def _respell(rng: random.Random, account: AdAccount) -> str:
    """How a second ad_accounts row for the same account spells it (often not like the first)."""
    bare, shown = _spellings(account)
    if rng.random() < 0.5:
        return account.listed_id
    return bare if account.listed_id == shown else shown


def _ensure_spellings(rng: random.Random, accounts: list[AdAccount]) -> None:
    """ad_accounts.csv spells Google ids both with and without dashes, Meta ids with and without act_."""
    for platform in ("google_ads", "meta_ads"):
        listed = [a for a in accounts if a.platform == platform]
        if len(listed) < 2:
            continue
        shown = [a for a in listed if a.listed_id != a.account_id]
        if not shown:
            victim = rng.choice(listed)
            victim.listed_id = _spellings(victim)[1]
        elif len(shown) == len(listed):
            victim = rng.choice(listed)
            victim.listed_id = victim.account_id


def _platforms(rng: random.Random, product: str) -> list[tuple[str, int]]:
    """Which platforms a media contract buys on, with each account's budget share."""
    if product == "SEARCH":
        return [("google_ads", 75), ("microsoft_ads", 25)] if rng.random() < 0.35 else [("google_ads", 100)]
    if product == "SOCIAL":
        return [("meta_ads", 60), ("meta_ads", 40)] if rng.random() < 0.1 else [("meta_ads", 100)]
    if product == "DISPLAY":
        return [("google_ads", 100)]
    return [("google_ads", 70), ("meta_ads", 30)] if rng.random() < 0.3 else [("google_ads", 100)]


def _cancel(rng: random.Random, contract: Contract, latest: date) -> None:
    """Set a cancellation: end_date somewhere after 45 days of service, at a month end or mid-month."""
    end = contract.start + timedelta(days=rng.randint(45, max(45, (latest - contract.start).days)))
    if rng.random() < 0.5:
        end = month_end(end)
    contract.end = min(end, latest)
    contract.schedule = [s for s in contract.schedule if s[0] <= contract.end]


def _reactivation(rng: random.Random, contract: Contract, as_of: date) -> Contract | None:
    """A new contract for the same client and product some months after the cancellation."""
    assert contract.end is not None
    restart = contract.end + timedelta(days=rng.randint(30, 120))
    if rng.random() < 0.5:
        restart = month_start(add_months(restart, 1))
    if restart > as_of - timedelta(days=5):
        restart = contract.end + timedelta(days=15)
        if restart > as_of - timedelta(days=5):
            return None
    amount = _round_budget(rng, contract.schedule[-1][1] * Decimal(rng.randint(80, 120)) / 100, contract.is_media)
    return Contract("", contract.client, contract.product, contract.program, restart, None, [(restart, amount)],
                    reactivates=contract)


def _ensure_situations(rng: random.Random, contracts: list[Contract], as_of: date) -> None:
    """Even a 5-dealer demo must show a cancellation, a reactivation and under/over pacing."""
    media = [c for c in contracts if c.is_media and c.reactivates is None]
    long_running = [c for c in media if c.end is None and c.start <= as_of - timedelta(days=120)]
    if not any(c.end is not None and c.end < as_of - timedelta(days=20) for c in contracts) and long_running:
        _cancel(rng, rng.choice(long_running), as_of - timedelta(days=30))
    if not any(c.reactivates is not None for c in contracts):
        per_client: dict[str, int] = {}
        for c in contracts:
            per_client[c.client.client_id] = per_client.get(c.client.client_id, 0) + 1
        ended = [c for c in contracts if c.end is not None and c.end < as_of - timedelta(days=20)
                 and per_client[c.client.client_id] < 4]
        for c in ended:
            again = _reactivation(rng, c, as_of)
            if again is not None:
                contracts.append(again)
                break
    for profile in ("under", "over"):
        normal = [c for c in contracts if c.is_media and c.pacing == "normal"]
        if normal and not any(c.pacing == profile for c in contracts):
            rng.choice(normal).pacing = profile
    ended = [c for c in contracts if c.is_media and c.end is not None and c.end < as_of - ONE_DAY]
    if ended and not any(c.spend_after_end_days for c in contracts):
        rng.choice(ended).spend_after_end_days = 1


def _renewals(rng: random.Random, contracts: list[Contract], as_of: date, wanted: int) -> None:
    """Some running media contracts end at a month end and are renewed the next day.

    The renewal is a new contract (same client and product, the budget in force carried over,
    sometimes raised) that takes over the same ad accounts: spend on them continues across the
    boundary and belongs to whichever contract is active on the day.
    """
    per_client = Counter(c.client.client_id for c in contracts)
    last_end = month_end(add_months(month_start(as_of), -1))  # the renewal starts on or before T
    candidates = [c for c in contracts if c.is_media and c.end is None and c.reactivates is None
                  and month_end(c.start + timedelta(days=40)) <= last_end and per_client[c.client.client_id] < 4]
    for c in rng.sample(candidates, len(candidates)):
        if wanted <= 0:
            break
        if per_client[c.client.client_id] >= 4:
            continue
        end = month_end(rng.choice(list(months(c.start + timedelta(days=40), last_end))))
        start = end + ONE_DAY
        carried = amount_on(c.schedule, start)
        if rng.random() < 0.5:
            carried = _round_budget(rng, carried * Decimal(rng.randint(103, 120)) / 100, True)
        schedule = [(start, carried)]
        for effective, amount in c.schedule:
            if effective > start and amount != schedule[-1][1]:
                schedule.append((effective, amount))  # changes agreed for later stay with the renewal
        c.end, c.spend_after_end_days = end, 0
        c.schedule = [s for s in c.schedule if s[0] <= end]
        c.renewed_by = Contract("", c.client, c.product, c.program, start, None, schedule, pacing=c.pacing, renews=c)
        contracts.append(c.renewed_by)
        per_client[c.client.client_id] += 1
        wanted -= 1


def build_contracts(rng: random.Random, clients: list[Client], first: date, as_of: date,
                    renewal_rng: random.Random | None = None) -> list[Contract]:
    """1-4 contracts per dealer over 15 months: starts (many mid-month), changes, cancellations,
    reactivations; ids handed out in start-date order, as the contracting system would."""
    contracts: list[Contract] = []
    horizon = month_end(add_months(as_of, 1))
    products_all = list(PRODUCT_WEIGHTS)
    for client in clients:
        n = rng.choices((1, 2, 3, 4), (30, 35, 23, 12))[0]
        pool, chosen = list(products_all), []
        for _ in range(n):
            pick = rng.choices(pool, [PRODUCT_WEIGHTS[p] for p in pool])[0]
            pool.remove(pick)
            chosen.append(pick)
        for product in chosen:
            if rng.random() < 0.35:
                start = first  # part of the book of business when the window opens
            else:
                start = first + timedelta(days=rng.randrange(max(1, (as_of - first).days - 20)))
                if rng.random() < 0.4:
                    start = max(first, month_start(start))
            program = ""
            if client.enrolled and product in PROGRAM_BY_OEM.get(client.oem, ("", frozenset()))[1]:
                program = PROGRAM_BY_OEM[client.oem][0]
            contract = Contract("", client, product, program, start, None, _schedule(rng, product, start, as_of))
            contracts.append(contract)
            if rng.random() < 0.18 and (as_of - start).days > 75:
                _cancel(rng, contract, horizon)
            if contract.end is not None and contract.end < as_of - timedelta(days=20) and n < 4 \
                    and rng.random() < 0.5:
                again = _reactivation(rng, contract, as_of)
                if again is not None:
                    contracts.append(again)
                    n += 1
    for c in contracts:
        if c.is_media:
            c.pacing = rng.choices(("normal", "under", "over"), (70, 18, 12))[0]
        if c.end is not None and c.is_media and c.end < as_of - ONE_DAY and rng.random() < 0.15:
            c.spend_after_end_days = min(rng.randint(1, 3), (as_of - c.end).days)
    _ensure_situations(rng, contracts, as_of)
    if renewal_rng is not None:
        _renewals(renewal_rng, contracts, as_of, max(2, len(clients) // 40))
    contracts.sort(key=lambda c: (c.start, c.client.client_id, c.product, c.reactivates is not None))
    for i, c in enumerate(contracts, 1):
        c.contract_id = f"CT-{i:06d}"
    return contracts


def assign_accounts(rng: random.Random, contracts: list[Contract], size: int, clients: list[Client]) -> list[AdAccount]:
    """1-2 ad accounts per media contract (some CAD dealers buy in USD); returns unmapped accounts."""
    ids = _Ids(rng)
    for c in contracts:
        if c.is_media and c.renews is None:
            for platform, share in _platforms(rng, c.product):
                currency = "USD" if c.client.currency == "CAD" and rng.random() < 0.3 else c.client.currency
                c.accounts.append(new_account(rng, ids, platform, c.product, c.client, currency, share, c.contract_id))
    cad = [a for c in contracts for a in c.accounts if c.client.currency == "CAD"]
    if cad and all(a.currency == "CAD" for a in cad):
        rng.choice(cad).currency = "USD"  # at least one CAD dealer buys through a USD account
    _ensure_spellings(rng, [a for c in contracts for a in c.accounts])
    for c in contracts:
        if c.renews is not None:  # the renewal is mapped to the same accounts, each in a row of its own
            c.accounts = [replace(a, listed_id=_respell(rng, a), contract_id=c.contract_id) for a in c.renews.accounts]
    unmapped = []
    for _ in range(max(2, size // 75)):
        client = rng.choice(clients)
        platform = rng.choice(("google_ads", "meta_ads", "microsoft_ads"))
        product = {"google_ads": "SEARCH", "meta_ads": "SOCIAL", "microsoft_ads": "SEARCH"}[platform]
        unmapped.append(new_account(rng, ids, platform, product, client, client.currency, 100, None))
    return unmapped


def build_discounts(rng: random.Random, contracts: list[Contract], first: date, as_of: date) -> list[Discount]:
    """~10% of dealers have a discounted fee on one media product, some for a limited period."""
    by_client: dict[str, list[Contract]] = {}
    for c in contracts:
        if c.is_media:
            by_client.setdefault(c.client.client_id, []).append(c)
    out: list[Discount] = []
    keys = sorted(by_client)
    always = rng.choice(keys) if keys else None  # at least one discount, even in a tiny demo
    for client_id in keys:
        if rng.random() >= 0.10 and client_id != always:
            continue
        contract = rng.choice(by_client[client_id])
        start = max(first, month_start(contract.start))
        if rng.random() < 0.4:
            start = month_start(start + timedelta(days=rng.randrange(max(1, (as_of - start).days))))
        pct = Decimal(rng.choice(("0.05", "0.10", "0.10", "0.15")))
        end = None
        if rng.random() < 0.3 and start + timedelta(days=60) < as_of:
            end = month_end(start + timedelta(days=rng.randint(60, (as_of - start).days)))
        out.append(Discount(client_id, contract.product, pct, start, end))
        if end is not None and end < as_of and rng.random() < 0.5:  # renewed at another rate later
            out.append(Discount(client_id, contract.product, pct + Decimal("0.05"), end + ONE_DAY, None))
    return out


def build_world(seed: int, size: int, as_of: date) -> World:
    """The whole contracting side, deterministic in (seed, size, as_of)."""
    first = month_start(add_months(as_of, -14))
    rng = random.Random(f"revwh-demo/{seed}/world")
    clients = build_clients(rng, size)
    contracts = build_contracts(rng, clients, first, as_of, random.Random(f"revwh-demo/{seed}/renewals"))
    unmapped = assign_accounts(rng, contracts, size, clients)
    discounts = build_discounts(rng, contracts, first, as_of)
    fx, cad_rate = build_fx(random.Random(f"revwh-demo/{seed}/fx"), first, as_of)
    other = {cur: build_fx(random.Random(f"revwh-demo/{seed}/fx/{cur}"), first, as_of, cur)[0]
             for cur in ("EUR", "MXN")}
    return World(first, as_of, clients, contracts, discounts, unmapped, fx, cad_rate, other)


__all__ = ["FLAT", "MEDIA", "AdAccount", "Campaign", "Client", "Contract", "Discount", "World", "build_world"]
