"""Freshness of the sources: non-blocking (WARN) asset checks on the raw assets, shown in the UI.

- Spend (`raw/google_ads`, `raw/meta_ads`, `raw/microsoft_ads`, check `spend_freshness`): flagged
  when the latest landed spend day is more than 2 days before T. A day a pull covered with no
  rows counts as landed (SPEC 5: a covered account-day with no rows has zero spend), so a paused
  account is not reported stale; a platform no contract uses (no row in ad_accounts) passes.
- Accounting exports (`raw/invoices`, `raw/payments`, ... check `accounting_freshness`): flagged
  when the newest accounting file was loaded more than 1 business day (Mon-Fri, no holidays)
  before today. The export is judged as a whole: an unchanged `write_offs.csv` is not reloaded
  (same hash, same `loaded_at`), so a per-table rule would flag quiet tables every day.

Why custom checks and not Dagster's `build_last_update_freshness_checks` (+
`build_sensor_for_freshness_checks`): those compare the wall clock with the asset's last
materialization (or its `dagster/last_updated_timestamp` metadata). The load step materializes
every raw asset on every run, changed or not, so that timestamp says "the pipeline ran", not "the
data is new"; and the spend rule is relative to T (a back-dated run must judge against its own T),
which a wall-clock lower bound cannot express, nor can it count business days. Only the data
knows, so these checks read it: `staging.stg_<platform>__campaign_spend.spend_date` and
`staging.stg_ads__pull_coverage` for spend, `raw._files.loaded_at` for the accounting files.

They read the *published* warehouse (read-only), and in the nightly job they run after
`published_warehouse` (an additional dependency): a successful run is judged on what it just
published; a blocked run skips them (it published nothing, and its alert says why). From the UI
they can be executed alone at any time ("Execute checks" on a raw asset). They never raise: a
warehouse that cannot be read gives a failed WARN result saying why, so a check can never turn a
published run into a failed one.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    multi_asset_check,
)

from ingest.contract import TABLES, LandedTable
from orchestration.engines.targets import engine_for
from orchestration.settings import RevwhSettings

SPEND_CHECK = "spend_freshness"
ACCOUNTING_CHECK = "accounting_freshness"
SPEND_MAX_DAYS_BEFORE_T = 2
ACCOUNTING_MAX_BUSINESS_DAYS = 1
PUBLISHED_KEY = AssetKey(["published_warehouse"])  # orchestration/pipeline/publish.py

SPEND_TABLES: tuple[LandedTable, ...] = tuple(t for t in TABLES if t.is_ad_platform)
ACCOUNTING_TABLES: tuple[LandedTable, ...] = tuple(t for t in TABLES if t.folder == "accounting")


def _raw_key(table: str) -> AssetKey:
    return AssetKey(["raw", table])


# ---------------------------------------------------------------- the rules (pure, testable by hand)


def business_days_between(start: date, end: date) -> int:
    """Business days (Mon-Fri) d with start < d <= end: loaded Friday, checked Monday = 1."""
    days, d = 0, start
    while d < end:
        d += timedelta(days=1)
        days += d.weekday() < 5
    return days


def spend_result(table: str, latest: date | None, accounts: int, as_of: date) -> AssetCheckResult:
    """Flag a platform whose latest landed spend day is more than 2 days before T."""
    meta: dict[str, object] = {"as_of": as_of.isoformat(), "accounts_mapped": accounts,
                               "latest_spend_day": latest.isoformat() if latest else "none"}
    if latest is None:
        if accounts == 0:
            return _result(table, SPEND_CHECK, True, f"no {table} account is mapped to a contract: none expected", meta)
        return _result(table, SPEND_CHECK, False, f"no {table} spend landed yet ({accounts} account(s) mapped)", meta)
    behind = (as_of - latest).days
    meta["days_before_as_of"] = behind
    if behind > SPEND_MAX_DAYS_BEFORE_T:
        return _result(
            table, SPEND_CHECK, False,
            f"latest {table} spend day is {latest}, {behind} days before T {as_of}"
            f" (more than {SPEND_MAX_DAYS_BEFORE_T}): is the pull or the export stuck?",
            meta,
        )
    return _result(table, SPEND_CHECK, True, f"latest {table} spend day {latest} ({behind} day(s) before T)", meta)


@dataclass(frozen=True)
class LoadedFile:
    source_file: str
    table: str
    loaded_at: datetime


def accounting_result(table: str, files: Sequence[LoadedFile], today: date) -> AssetCheckResult:
    """Flag the accounting export when its newest file was loaded more than 1 business day ago."""
    newest = max(files, key=lambda f: (f.loaded_at, f.source_file), default=None)
    own = max((f for f in files if f.table == table), key=lambda f: (f.loaded_at, f.source_file), default=None)
    meta: dict[str, object] = {"today": today.isoformat(),
                               "newest_accounting_file": newest.source_file if newest else "none",
                               f"newest_{table}_file": own.source_file if own else "none"}
    if newest is None:
        return _result(table, ACCOUNTING_CHECK, False, "no accounting file has been loaded", meta)
    ago = business_days_between(newest.loaded_at.date(), today)
    meta |= {"loaded_at": newest.loaded_at.isoformat(sep=" "), "business_days_ago": ago}
    if ago > ACCOUNTING_MAX_BUSINESS_DAYS:
        return _result(
            table, ACCOUNTING_CHECK, False,
            f"newest accounting file {newest.source_file} was loaded {newest.loaded_at:%Y-%m-%d %H:%M},"
            f" {ago} business days ago (more than {ACCOUNTING_MAX_BUSINESS_DAYS}): is the export stuck?",
            meta,
        )
    return _result(
        table, ACCOUNTING_CHECK, True,
        f"newest accounting file {newest.source_file} loaded {newest.loaded_at:%Y-%m-%d %H:%M}", meta,
    )


def _result(table: str, check: str, passed: bool, description: str, metadata: dict[str, object]) -> AssetCheckResult:
    return AssetCheckResult(
        asset_key=_raw_key(table),
        check_name=check,
        passed=passed,
        severity=AssetCheckSeverity.WARN,
        description=description,
        metadata=metadata,
    )


# ---------------------------------------------------------------- reading the published warehouse


def spend_state(con: duckdb.DuckDBPyConnection, platform: str) -> tuple[date | None, int]:
    """Latest landed spend day of a platform (spend rows or pull coverage) and its mapped accounts."""
    latest = con.execute(
        f"""select max(d) from (
                select max(spend_date) as d from staging.stg_{platform}__campaign_spend
                union all
                select max(spend_date) from staging.stg_ads__pull_coverage where platform = ?) as latest""",
        [platform],
    ).fetchone()[0]
    accounts = con.execute(
        "select count(distinct account_id) from staging.stg_contracting__ad_accounts where platform = ?", [platform]
    ).fetchone()[0]
    return latest, int(accounts)


def loaded_accounting_files(con: duckdb.DuckDBPyConnection) -> list[LoadedFile]:
    names = [t.name for t in ACCOUNTING_TABLES]
    rows = con.execute(
        "select source_file, table_name, loaded_at from raw._files"
        f" where status = 'loaded' and table_name in ({', '.join('?' for _ in names)})",
        names,
    ).fetchall()
    return [LoadedFile(f, t, at) for f, t, at in rows]


# ---------------------------------------------------------------- the Dagster checks

_SPECS = [
    AssetCheckSpec(
        SPEND_CHECK,
        asset=_raw_key(t.name),
        additional_deps=[PUBLISHED_KEY],
        blocking=False,
        description=f"Warns when the latest landed spend day is more than {SPEND_MAX_DAYS_BEFORE_T} days before T.",
    )
    for t in SPEND_TABLES
] + [
    AssetCheckSpec(
        ACCOUNTING_CHECK,
        asset=_raw_key(t.name),
        additional_deps=[PUBLISHED_KEY],
        blocking=False,
        description=f"Warns when the newest accounting file was loaded more than {ACCOUNTING_MAX_BUSINESS_DAYS}"
        " business day ago.",
    )
    for t in ACCOUNTING_TABLES
]
FRESHNESS_CHECK_KEYS: tuple[AssetCheckKey, ...] = tuple(s.key for s in _SPECS)


@multi_asset_check(specs=_SPECS, name="source_freshness", can_subset=True,
                   description="Spend and accounting freshness, read from the published warehouse.")
def source_freshness(context: AssetCheckExecutionContext, settings: RevwhSettings) -> Iterator[AssetCheckResult]:
    """T comes from the run's settings (the schedule's as-of); "today" is the machine's local date,
    the clock `raw._files.loaded_at` is written with (orchestration/settings.py run_timestamp)."""
    selected = context.selected_asset_check_keys
    path = settings.published()
    if not path.exists():
        yield from _unreadable(selected, f"no published warehouse at {path} yet")
        return
    try:
        con = _open_published(settings)
    except Exception as exc:  # noqa: BLE001 - duckdb's or PostgreSQL's: the check says so, the run goes on
        yield from _unreadable(selected, f"cannot open {path}: {exc}".splitlines()[0])
        return
    read_errors = _read_errors(settings)
    try:
        as_of, today = settings.as_of_date(), date.today()
        files: list[LoadedFile] | None = None
        for key in sorted(selected, key=lambda k: (k.name, k.asset_key.to_user_string())):
            table = key.asset_key.path[-1]
            try:
                if key.name == SPEND_CHECK:
                    latest, accounts = spend_state(con, table)
                    yield spend_result(table, latest, accounts, as_of)
                else:
                    files = loaded_accounting_files(con) if files is None else files
                    yield accounting_result(table, files, today)
            except read_errors as exc:  # an older warehouse without the table: say so, do not fail
                yield _result(table, key.name, False, f"cannot read {path}: {exc}".splitlines()[0], {})
    finally:
        con.close()


def _open_published(settings: RevwhSettings) -> Any:
    """The published warehouse: the DuckDB file, on `--target postgres` the server, on `--target
    spark` Spark's tables (the staging tables these checks read are built there; raw._files is
    synced or exported there)."""
    return engine_for(settings.target, settings.published()).open_reader()


def _read_errors(settings: RevwhSettings) -> tuple[type[Exception], ...]:
    return engine_for(settings.target, settings.published()).read_errors()


def _unreadable(keys: set[AssetCheckKey] | frozenset[AssetCheckKey], why: str) -> Iterator[AssetCheckResult]:
    for key in sorted(keys, key=lambda k: (k.name, k.asset_key.to_user_string())):
        yield _result(key.asset_key.path[-1], key.name, False, why, {})
