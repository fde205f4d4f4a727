"""Simulate daily campaign spend and write it as the three platforms' connectors would land it.

Per platform: one history file (all days up to T-8, Parquet for Google to exercise that path,
stamped earlier than any re-pull) and ten nightly re-pull files, each covering the 7 days
ending the night before the pull, each with a coverage file beside it (`<pull>.coverage.csv`:
one row per account the pull asked for, with the pull window and the pull's extracted_at), so
an account-day the latest pull covered without rows has zero spend. Earlier pulls carry
slightly different values for recent days (the platforms restate), now and then a campaign
that a later pull no longer reports, and a few account-days whose campaigns were paused and
whose spend the later pulls no longer report at all (an "empty re-pull"); the latest pull of
each account-day carries the final value, which is what the generator keeps as the truth for
underspend credits. The first five Google pulls spell customer ids with dashes
(`123-456-7890`), the later ones as bare digits: the same account after normalization.

Spend is simulated in exact arithmetic: the day's target is a Decimal, rounded half up to
cents, then split across campaigns in integer cents (largest share takes the remainder), so
no float ever touches an amount. Rows are streamed to disk per account; only the last 16
days are held back for the re-pull files.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

import pyarrow as pa

from ingest.demo.calendar import ONE_DAY, cents, days, days_in_month, month_start
from ingest.demo.catalog import PLATFORMS
from ingest.demo.world import AdAccount, Contract, World
from ingest.demo.writer import CsvStream, LandingWriter, ParquetStream

HISTORY_LAG_DAYS = 8  # the history file covers days up to T-8
PULL_NIGHTS = 10  # nightly re-pull files
PULL_WINDOW_DAYS = 7  # each pull covers the 7 days ending the night before it
PULL_MINUTE = {"google_ads": 10, "meta_ads": 20, "microsoft_ads": 30}
DASHED_GOOGLE_PULLS = PULL_NIGHTS // 2  # the first pulls spell Google customer ids 123-456-7890
EMPTY_REPULL_LAG_DAYS = 4  # the paused account-day: T-4, in two pulls, then in none
EMPTY_REPULL_REPORTED_NIGHTS = 2
WEEKDAY_PCT = (100, 100, 100, 100, 104, 112, 85)  # dealers' traffic peaks on Saturdays


@dataclass(slots=True)
class SpendRow:
    """One campaign on one day, in the account's currency, final (latest-pull) values."""

    day: date
    account: AdAccount
    campaign_id: str
    campaign_name: str
    cents: int
    micros_offset: int  # Google reports micros; |offset| < 5000 keeps half-up rounding at `cents`
    impressions: int
    clicks: int


@dataclass
class SpendTruth:
    """Active-day spend per contract and month in the client's currency, as the warehouse will see it."""

    by_contract_month: dict[tuple[str, date], Decimal]
    rows_after_end: int
    unmapped_rows: int
    empty_repull_account_days: int = 0  # account-days a later pull covered without rows (spend restated to 0)
    coverage_files: int = 0
    dashed_id_pull_files: int = 0  # Google pull files spelling customer ids with dashes


def _uniform_int(rng: random.Random, lo: int, hi: int) -> int:
    """An integer in [lo, hi], like randint but ~3x cheaper (it runs millions of times).

    The float only picks an integer; amounts themselves never become floats.
    """
    return lo + int(rng.random() * (hi - lo + 1))


@lru_cache(maxsize=4096)
def _day_info(d: date) -> tuple[date, int, int]:
    """(month, days in month, weekday traffic %) of a day, computed once per day."""
    return month_start(d), days_in_month(d), WEEKDAY_PCT[d.weekday()]


@lru_cache(maxsize=4096)
def _iso(d: date) -> str:
    return d.isoformat()


def _stamp(d: date, hour: int, minute: int) -> str:
    return f"{_iso(d)}T{hour:02d}:{minute:02d}:00Z"


@lru_cache(maxsize=4096)
def _history_stamp(day: date, first_pull: date) -> str:
    """History rows: archived from the pull the morning after each day, and earlier than any
    re-pull below (the last days' archive was taken before the first re-pull ran)."""
    return _stamp(min(day + ONE_DAY, first_pull), 6, 0)


@lru_cache(maxsize=65536)
def _dashed(account_id: str) -> str:
    """A Google customer id as the Ads UI shows it: 123-456-7890."""
    return f"{account_id[:3]}-{account_id[3:6]}-{account_id[6:]}"


def _pull_stamp(platform: str, night: date) -> str:
    """A nightly pull runs early UTC on the day after `night`."""
    return _stamp(night + ONE_DAY, 7, PULL_MINUTE[platform])


def _format(platform: str, row: SpendRow, amount_cents: int, impressions: int, clicks: int,
            extracted_at: str, campaign_id: str | None = None, campaign_name: str | None = None,
            dashed: bool = False) -> list[object]:
    """A row in the platform's own column order (SPEC section 1) plus extracted_at."""
    acct = row.account
    cid, name = campaign_id or row.campaign_id, campaign_name or row.campaign_name
    if platform == "google_ads":
        micros = amount_cents * 10_000 + row.micros_offset if amount_cents > 0 else 0
        return [_iso(row.day), _dashed(acct.account_id) if dashed else acct.account_id, acct.currency,
                acct.time_zone, cid, name, micros, impressions, clicks, extracted_at]
    spend = f"{amount_cents // 100}.{amount_cents % 100:02d}"
    return [_iso(row.day), acct.account_id, acct.currency, cid, name, spend, impressions, clicks, extracted_at]


class _Sink:
    """Routes each final spend row to its platform's history file and/or the re-pull buffer."""

    def __init__(self, writer: LandingWriter, as_of: date, paused: dict[str, dict[date, date]]) -> None:
        self.history_end = as_of - timedelta(days=HISTORY_LAG_DAYS)
        self.pull_first = as_of - timedelta(days=PULL_NIGHTS - 1 + PULL_WINDOW_DAYS - 1)
        self.first_pull_date = as_of - timedelta(days=PULL_NIGHTS - 2)  # the morning of the first re-pull
        self.paused = paused  # account_id -> {day: first pull night that no longer reports the day}
        self.gone_from: dict[int, date] = {}  # id(row) -> first pull night without it
        self.paused_days: set[tuple[str, date]] = set()
        self.history: dict[str, CsvStream | ParquetStream] = {
            "google_ads": writer.open_parquet("google_ads", "google_ads_history.parquet", {
                "metrics_cost_micros": pa.int64(), "metrics_impressions": pa.int64(), "metrics_clicks": pa.int64()}),
            "meta_ads": writer.open_csv("meta_ads", "meta_ads_history.csv"),
            "microsoft_ads": writer.open_csv("microsoft_ads", "microsoft_ads_history.csv"),
        }
        self.recent: dict[str, list[SpendRow]] = {p: [] for p in PLATFORMS}

    def add(self, row: SpendRow) -> None:
        platform = row.account.platform
        if row.day <= self.history_end:
            self.history[platform].write(_format(platform, row, row.cents, row.impressions, row.clicks,
                                                 _history_stamp(row.day, self.first_pull_date)))
        if row.day >= self.pull_first:
            self.recent[platform].append(row)

    def add_paused(self, row: SpendRow, gone_from: date) -> None:
        """A row only the pulls before `gone_from` report: its campaigns were paused, spend restated to 0."""
        self.recent[row.account.platform].append(row)
        self.gone_from[id(row)] = gone_from
        self.paused_days.add((row.account.account_id, row.day))

    def close(self) -> None:
        for stream in self.history.values():
            stream.close()


def _split(rng: random.Random, total_cents: int, account: AdAccount, day: date) -> list[SpendRow]:
    """The account's day total split across its campaigns, exactly, with delivery metrics."""
    r = rng.random  # the inner loop of the generator: _uniform_int inlined (lo + int(r() * span))
    weights = [c.weight * (80 + int(r() * 41)) for c in account.campaigns]
    total_w = sum(weights)
    parts = [total_cents * w // total_w for w in weights]
    parts[weights.index(max(weights))] += total_cents - sum(parts)
    google = account.platform == "google_ads"
    rows = []
    for campaign, part in zip(account.campaigns, parts, strict=True):
        if part <= 0:
            continue
        impressions = part * 10 * (85 + int(r() * 31)) // campaign.cpm_cents
        clicks = impressions * campaign.ctr_bp * (80 + int(r() * 41)) // 1_000_000
        offset = int(r() * 9999) - 4999 if google else 0
        rows.append(SpendRow(day, account, campaign.campaign_id, campaign.name, part, offset, impressions, clicks))
    return rows


def _month_pacing(rng: random.Random, profile: str) -> int:
    """Share of the month's budget the campaigns deliver, in percent."""
    if profile == "under" or (profile == "normal" and rng.random() < 0.06):
        return rng.randint(60, 85)
    if profile == "over" or (profile == "normal" and rng.random() < 0.04):
        return rng.randint(110, 125)
    return rng.randint(95, 106)


def _contract_spend(rng: random.Random, world: World, contract: Contract, sink: _Sink,
                    truth: dict[tuple[str, date], Decimal], truth_cents: dict[tuple[str, date], int]) -> int:
    """Stream one media contract's spend; returns the number of rows on days after its end."""
    as_of = world.as_of
    last_active = min(contract.end or as_of, as_of)
    run_until = min(last_active + timedelta(days=contract.spend_after_end_days), as_of)
    pacing: dict[date, int] = {}
    after_end_rows = 0
    client_currency = contract.client.currency
    for account in contract.accounts:
        schedule, idx = contract.schedule, 0
        converts = account.currency != client_currency
        paused = sink.paused.get(account.account_id)
        for d in days(contract.start, run_until):
            while idx + 1 < len(schedule) and schedule[idx + 1][0] <= d:
                idx += 1
            month, month_days, weekday_pct = _day_info(d)
            if month not in pacing:
                pacing[month] = _month_pacing(rng, contract.pacing)
            pct = pacing[month] * account.share_pct * weekday_pct * _uniform_int(rng, 80, 120)
            active = d <= last_active
            if not active:
                pct = pct * rng.randint(30, 70) // 100  # campaigns not yet paused after cancellation
            target = schedule[idx][1] * pct / (month_days * 100_000_000)
            if converts:
                target = target * world.cad_rate[d]  # CAD budget bought through a USD account
            total_cents = int(cents(target) * 100)
            if total_cents <= 0:
                continue
            if paused and d in paused:
                for row in _split(rng, total_cents, account, d):
                    sink.add_paused(row, paused[d])  # no spend in the end: not part of the truth
                continue
            for row in _split(rng, total_cents, account, d):
                sink.add(row)
                if not active:
                    after_end_rows += 1
                elif converts:
                    value = Decimal(row.cents * 10_000 + row.micros_offset).scaleb(-6)
                    truth[(contract.contract_id, month)] += cents(value / world.cad_rate[d])
                else:
                    truth_cents[(contract.contract_id, month)] += row.cents
    return after_end_rows


def _unmapped_spend(rng: random.Random, world: World, account: AdAccount, sink: _Sink) -> int:
    """Spend on an account nobody mapped to a contract: an exception the warehouse must report."""
    rows = 0
    daily = rng.randint(3000, 30000)  # cents per day
    for d in days(world.as_of - timedelta(days=rng.randint(20, 60)), world.as_of):
        for row in _split(rng, daily * rng.randint(70, 130) // 100, account, d):
            sink.add(row)
            rows += 1
    return rows


def _plan_paused_days(rng: random.Random, world: World) -> dict[str, dict[date, date]]:
    """A few accounts whose campaigns were paused on T-4 after the first pulls had reported spend
    for that day: account_id -> {day: first pull night that reports no rows for it}."""
    day = world.as_of - timedelta(days=EMPTY_REPULL_LAG_DAYS)
    candidates: dict[str, AdAccount] = {}
    for c in world.contracts:
        if c.active(day) and c.start < day:
            for a in c.accounts:
                candidates.setdefault(a.account_id, a)
    chosen = rng.sample(sorted(candidates), min(len(candidates), max(2, len(world.clients) // 100)))
    return {a: {day: day + timedelta(days=EMPTY_REPULL_REPORTED_NIGHTS)} for a in chosen}


def _covered_accounts(world: World) -> dict[str, list[str]]:
    """Per platform, the accounts every pull asks for: all of ad_accounts.csv plus the unmapped ones."""
    found: dict[str, set[str]] = {p: set() for p in PLATFORMS}
    for a in [a for c in world.contracts for a in c.accounts] + world.unmapped:
        found[a.platform].add(a.account_id)
    return {p: sorted(ids) for p, ids in found.items()}


def _write_pulls(rng: random.Random, writer: LandingWriter, sink: _Sink, world: World) -> tuple[int, int]:
    """Ten nightly re-pulls per platform, each with its coverage file: restated values for days a
    later pull covers again. Returns (coverage files, Google pull files with dashed ids)."""
    as_of = world.as_of
    nights = [as_of - timedelta(days=k) for k in range(PULL_NIGHTS - 1, -1, -1)]
    covered = _covered_accounts(world)
    coverage_files = dashed_files = 0
    for platform in PLATFORMS:
        recent = sorted(sink.recent[platform], key=lambda r: (r.day, r.account.account_id, r.campaign_id))
        for k, night in enumerate(nights):
            first = night - timedelta(days=PULL_WINDOW_DAYS - 1)
            extracted = _pull_stamp(platform, night)
            dashed = platform == "google_ads" and k < DASHED_GOOGLE_PULLS
            gone_from = sink.gone_from
            window = [r for r in recent if first <= r.day <= night
                      and (not gone_from or night < gone_from.get(id(r), night + ONE_DAY))]
            ghosts = set()
            if night < as_of:  # a campaign the next pull no longer reports (deleted test campaign)
                candidates = [r for r in window if r.day > first]
                for _ in range(min(len(candidates), max(1, len(candidates) // 800))):
                    ghosts.add(id(rng.choice(candidates)))
            name = f"{platform}_pull_{(night + ONE_DAY).isoformat()}"
            with writer.open_csv(platform, f"{name}.csv") as out:
                for r in window:
                    final = night == min(r.day + timedelta(days=PULL_WINDOW_DAYS - 1), as_of)
                    amount, impressions, clicks = r.cents, r.impressions, r.clicks
                    if not final and rng.random() < 0.35:
                        if rng.random() < 0.5:
                            amount = max(1, amount + rng.choice((-1, 1)) * rng.randint(1, 60))  # a few cents
                        else:
                            amount = max(1, amount * rng.randint(96, 104) // 100)  # a few percent
                        impressions = impressions * rng.randint(97, 103) // 100
                        clicks = min(clicks, impressions)
                    out.write(_format(platform, r, amount, impressions, clicks, extracted, dashed=dashed))
                    if id(r) in ghosts:
                        out.write(_format(platform, r, max(1, r.cents // 5), impressions // 5, clicks // 5,
                                          extracted, r.campaign_id + "0", f"{r.campaign_name} (test, removed)",
                                          dashed=dashed))
            with writer.open_coverage(platform, f"{name}.coverage.csv") as cov:
                for account_id in covered[platform]:
                    cov.write([platform, _dashed(account_id) if dashed else account_id, _iso(first), _iso(night),
                               extracted])
            coverage_files += 1
            dashed_files += dashed
    return coverage_files, dashed_files


def write_ads(writer: LandingWriter, world: World, seed: int) -> SpendTruth:
    """Simulate and land all ad spend; return the final active-day spend per contract-month."""
    sink = _Sink(writer, world.as_of, _plan_paused_days(random.Random(f"revwh-demo/{seed}/paused"), world))
    truth: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    truth_cents: dict[tuple[str, date], int] = defaultdict(int)
    after_end = unmapped = 0
    for contract in world.contracts:
        if contract.accounts and contract.start <= world.as_of:
            rng = random.Random(f"revwh-demo/{seed}/spend/{contract.contract_id}")
            after_end += _contract_spend(rng, world, contract, sink, truth, truth_cents)
    rng = random.Random(f"revwh-demo/{seed}/unmapped")
    for account in world.unmapped:
        unmapped += _unmapped_spend(rng, world, account, sink)
    sink.close()
    coverage_files, dashed_files = _write_pulls(random.Random(f"revwh-demo/{seed}/pulls"), writer, sink, world)
    for key, value in truth_cents.items():
        truth[key] += Decimal(value).scaleb(-2)
    return SpendTruth(dict(truth), after_end, unmapped, len(sink.paused_days), coverage_files, dashed_files)
