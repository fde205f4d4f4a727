"""What the three connectors share: windows, credentials, retries, accounts, landing files.

Secrets are read from the environment or from a TOML file outside the repository
(REVWH_CREDENTIALS_FILE); their values never reach a log line or an error message.
"""

from __future__ import annotations

import csv
import os
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from ingest.contract import COVERAGE_SUFFIX, TABLES_BY_NAME

T = TypeVar("T")


class MissingCredential(Exception):
    """A credential is not configured; the message names the variable, never a value."""


class PullError(Exception):
    """A permanent failure for one account (or a retry budget spent); one line, no secrets."""


@dataclass
class PullResult:
    platform: str
    file: Path | None
    rows: int
    accounts: list[str]
    errors: dict[str, str] = field(default_factory=dict)  # account -> one-line reason


def nightly_window(as_of: date, lookback_days: int = 7) -> tuple[date, date]:
    """The days a nightly pull re-reads: the lookback window ending at T."""
    return as_of - timedelta(days=lookback_days - 1), as_of


def chunks(start: date, end: date, days: int) -> Iterator[tuple[date, date]]:
    """[start, end] cut into ranges of at most `days` days, for APIs with range limits."""
    day = start
    while day <= end:
        last = min(end, day + timedelta(days=days - 1))
        yield day, last
        day = last + timedelta(days=1)


def credential(name: str, section: str) -> str:
    """The credential from the environment, else from REVWH_CREDENTIALS_FILE [section]."""
    value = os.environ.get(name)
    if value:
        return value
    path = os.environ.get("REVWH_CREDENTIALS_FILE")
    if path and Path(path).is_file():
        with open(path, "rb") as fh:
            value = tomllib.load(fh).get(section, {}).get(name)
        if value:
            return str(value)
    raise MissingCredential(f"missing credential: set {name} (environment or REVWH_CREDENTIALS_FILE [{section}])")


REQUIRED = {
    "google_ads": ("GOOGLE_ADS_DEVELOPER_TOKEN", "GOOGLE_ADS_ACCESS_TOKEN"),
    "meta_ads": ("META_ACCESS_TOKEN",),
    "microsoft_ads": ("MSADS_DEVELOPER_TOKEN", "MSADS_ACCESS_TOKEN", "MSADS_CUSTOMER_ID"),
}


def missing_credential(platform: str) -> str | None:
    """The first required credential of `platform` that is not configured, or None."""
    for name in REQUIRED[platform]:
        try:
            credential(name, platform)
        except MissingCredential:
            return name
    return None


def with_retry(
    call: Callable[[], T],
    *,
    retry_delay: Callable[[Exception], float | None],
    sleep: Callable[[float], None] = time.sleep,
    budget_s: float = 300.0,
    what: str = "request",
) -> T:
    """Call until it succeeds; a retryable error (delay not None) waits that long, up to a budget.

    The budget counts the waits, not wall time, so tests with an injected sleep see the same
    behaviour as production.
    """
    waited, attempt = 0.0, 0
    while True:
        attempt += 1
        try:
            return call()
        except Exception as exc:
            delay = retry_delay(exc)
            if delay is None:
                raise
            if waited + delay > budget_s:
                raise PullError(
                    f"{what}: still throttled after {attempt} attempts and {waited:.0f}s of waiting; giving up"
                ) from None
            sleep(delay)
            waited += delay


def accounts_for(platform: str, landing_dir: Path, extra: list[str] | None = None) -> list[str]:
    """Account ids of `platform` in contracting/ad_accounts*.csv (normalized), plus `extra`."""
    found: list[str] = []
    for path in sorted((landing_dir / "contracting").glob("ad_accounts*.csv")):
        with path.open(encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                if (row.get("platform") or "").strip() == platform:
                    found.append(normalize_account(platform, row.get("account_id") or ""))
    found += [normalize_account(platform, a) for a in extra or []]
    return sorted({a for a in found if a})


def normalize_account(platform: str, account: str) -> str:
    """The id as the warehouse compares it (dbt macro normalize_account_id does the same, SPEC 5):
    Google and Microsoft digits only, Meta without the act_ prefix."""
    account = account.strip()
    if platform in ("google_ads", "microsoft_ads"):
        return "".join(ch for ch in account if ch.isdigit())
    if platform == "meta_ads":
        return account[4:] if account.lower().startswith("act_") else account
    return account


def pull_each(
    platform: str,
    accounts: list[str],
    fetch: Callable[[str], list[list[object]]],
    handled: tuple[type[BaseException], ...],
    describe: Callable[[BaseException], str],
    *,
    landing_dir: Path,
    start: date,
    end: date,
    now: datetime | None,
) -> PullResult:
    """Fetch every account and write one landing file; an account that fails with one of the
    `handled` errors (or a PullError) is reported, and never loses the other accounts' rows."""
    rows: list[list[object]] = []
    errors: dict[str, str] = {}
    for account in accounts:
        try:
            rows += fetch(account)
        except PullError as exc:
            errors[account] = str(exc)
        except handled as exc:
            errors[account] = describe(exc)
    extracted_at = now or utc_now()
    path = write_landing_file(platform, landing_dir, rows, start, end, extracted_at)
    covered = [a for a in accounts if a not in errors]
    write_coverage_file(path, platform, covered, start, end, extracted_at)
    return PullResult(platform, path, len(rows), accounts, errors)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def write_landing_file(
    platform: str, landing_dir: Path, rows: list[list[object]], start: date, end: date, extracted_at: datetime
) -> Path:
    """One CSV per platform and pull with the SPEC columns; extracted_at on every row."""
    spec = TABLES_BY_NAME[platform]
    stamp = extracted_at.strftime("%Y%m%dT%H%M%SZ")
    folder = landing_dir / spec.folder
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{platform}_{start.isoformat()}_{end.isoformat()}_{stamp}.csv"
    extracted = extracted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    tmp = path.with_suffix(".csv.part")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(spec.columns)
        writer.writerows([[*r, extracted] for r in rows])
    tmp.replace(path)  # the loader never sees a half-written file
    return path


def write_coverage_file(
    pull_file: Path, platform: str, accounts: list[str], start: date, end: date, extracted_at: datetime
) -> Path:
    """Beside a pull file, `<pull>.coverage.csv`: the accounts the pull read in full, and its window.

    An account-day listed here with no row in the pull has zero spend (SPEC 5: all campaigns
    paused), which the rows alone cannot say. Failed accounts are left out, so their earlier rows
    stay. Written after the pull file, so a loader that sees the coverage also sees the rows.
    """
    spec = TABLES_BY_NAME["ad_coverage"]
    path = pull_file.with_name(pull_file.stem + COVERAGE_SUFFIX + ".csv")
    extracted = extracted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    tmp = path.with_suffix(".csv.part")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(spec.columns)
        writer.writerows([platform, a, start.isoformat(), end.isoformat(), extracted] for a in accounts)
    tmp.replace(path)
    return path
