"""What the three connectors share: windows, credentials, retries, accounts, landing files.

Secrets are read from the environment or from a TOML file outside the repository
(REVWH_CREDENTIALS_FILE); their values are registered with ingest/platforms/scrub.py, and every
per-account error line is scrubbed, so they never reach a log line or an error message.
"""

from __future__ import annotations

import csv
import http.client
import logging
import os
import socket
import ssl
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from ingest.contract import COVERAGE_SUFFIX, TABLES_BY_NAME
from ingest.platforms.scrub import one_line, register_secret

T = TypeVar("T")
_log = logging.getLogger("ingest.platforms")


class MissingCredential(Exception):
    """A credential is not configured; the message names the variable, never a value."""


class PullError(Exception):
    """A permanent failure for one account (or a retry budget spent); one line, no secrets."""


# Retries, per account (SPEC: a pull never waits unboundedly while holding the warehouse lock):
ACCOUNT_RETRY_BUDGET_S = 300.0  # seconds one account may spend in retry waits and failed calls
RETRY_BACKOFF_S = (1.0, 2.0, 4.0)  # waits after a platform that cannot be reached or errs on its side
REQUEST_TIMEOUT_S = 120.0  # one request (Meta, Microsoft) without an answer fails
STREAM_TIMEOUT_S = 900.0  # one Google search_stream, however many rows it streams
REPORT_WAIT_S = 900.0  # a report being prepared (Meta async run, Microsoft report): not a retry, bounded too


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


NOT_SECRET = {"MSADS_CUSTOMER_ID", "GOOGLE_ADS_LOGIN_CUSTOMER_ID"}  # ids: masking them would mask account ids


def credential(name: str, section: str, *, secret: bool = True) -> str:
    """The credential from the environment, else from REVWH_CREDENTIALS_FILE [section].

    A secret's value is registered with the scrubber (ingest/platforms/scrub.py), so no error
    line, log record or terminal output shows it; not ids (NOT_SECRET, or `secret=False`)."""
    value = optional_credential(name, section, secret=secret)
    if value:
        return value
    raise MissingCredential(f"missing credential: set {name} (environment or REVWH_CREDENTIALS_FILE [{section}])")


def optional_credential(name: str, section: str, *, secret: bool = True) -> str | None:
    """As `credential`, or None when it is not configured."""
    value = os.environ.get(name)
    if not value:
        path = os.environ.get("REVWH_CREDENTIALS_FILE")
        if path and Path(path).is_file():
            with open(path, "rb") as fh:
                found = tomllib.load(fh).get(section, {}).get(name)
            value = str(found) if found else None
    if value and secret and name not in NOT_SECRET:
        register_secret(value)
    return value or None


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


@dataclass(frozen=True)
class Retry:
    """How to retry one error. A throttle (`THROTTLE`) waits `delay`, what the platform asked (or a
    default when it said nothing: `asked` False); anything else worth retrying (`TRANSIENT`: the
    platform cannot be reached, or failed on its side) waits the short back-off RETRY_BACKOFF_S.
    `reason` is the account's one-line error when the retries end."""

    kind: str
    reason: str
    delay: float = 0.0
    asked: bool = True


THROTTLE, TRANSIENT = "throttle", "transient"


def throttled(reason: str, delay: float, *, asked: bool = True) -> Retry:
    return Retry(THROTTLE, reason, delay, asked)


def transient(reason: str) -> Retry:
    return Retry(TRANSIENT, reason)


@dataclass
class Circuit:
    """Shared by the accounts of one pull: once an account gave up on transient errors (the
    platform cannot be reached), the next accounts try once each without the back-off; once the
    pull has spent a whole account's budget on such errors (a platform that never answers, each
    try a timeout), the remaining accounts are not tried. So a dead endpoint costs one budget per
    pull, not one per account. A success closes it."""

    open: bool = False
    spent: float = 0.0  # seconds of transient failures and their waits, this pull
    reason: str = ""


class RetryBudget:
    """What one account may spend on retries: the waits (through `sleep`, so a test's no-op sleep
    counts the same as a real one) plus the time its failed calls took (a connection that times
    out). Shared by every request of the account; `note` tells the user why a pull is waiting."""

    def __init__(
        self,
        seconds: float = ACCOUNT_RETRY_BUDGET_S,
        *,
        sleep: Callable[[float], None] = time.sleep,
        note: Callable[[str], None] | None = None,
        circuit: Circuit | None = None,
    ) -> None:
        self.seconds, self.spent, self._sleep, self._note = float(seconds), 0.0, sleep, note
        self.circuit = circuit if circuit is not None else Circuit()

    def left(self) -> float:
        return max(0.0, self.seconds - self.spent)

    def charge(self, seconds: float) -> None:
        self.spent += max(0.0, seconds)

    def wait(self, seconds: float) -> None:
        self._sleep(seconds)
        self.spent += seconds

    def pause(self, seconds: float) -> None:
        """Sleep without charging the budget: a report's own polling, bounded by its caller."""
        self._sleep(seconds)

    def note(self, text: str) -> None:
        line = one_line(text)
        if self._note is not None:
            self._note(line)
        else:
            _log.info(line)


def with_retry(
    call: Callable[[], T],
    *,
    classify: Callable[[Exception], Retry | None],
    budget: RetryBudget,
    what: str = "request",
) -> T:
    """Call until it succeeds or the account's retry budget says stop; every way out is bounded.

    An error `classify` gives no Retry for is raised as is (pull_each reports it). A throttle
    waits what the platform asked, unless that is more than the budget has left: then it gives up
    at once, with one line. A transient error (cannot reach the platform, a server error) waits
    1, 2, 4 s (capped by the budget) and then gives up with `reason`; once the budget's Circuit
    is open (an earlier account of the pull gave up so), after one attempt, or without one when
    the pull has spent a budget on it. So a dead endpoint never keeps a pull, and the warehouse
    lock it holds, for long. `what` ("account 123") names
    the account in the notes; the PullError does not repeat it (pull_each files it under the
    account).
    """
    attempt = transients = 0
    circuit = budget.circuit
    while True:
        if circuit.open and circuit.spent >= budget.seconds:
            raise PullError(f"not tried: {circuit.reason}, for {circuit.spent:.0f}s of this pull")
        attempt += 1
        started = time.monotonic()
        try:
            result = call()
        except Exception as exc:
            took = time.monotonic() - started
            budget.charge(took)
            retry = classify(exc)
            if retry is None:
                raise
            left = budget.left()
            if retry.kind == THROTTLE:
                delay = retry.delay
                if delay > left:
                    raise PullError(
                        f"gave up after {attempt} attempt(s): throttled by the platform ({retry.reason}),"
                        f" which asks for {delay:g}s, more than the {left:.0f}s left of the retry budget"
                    ) from None
                asked = " as it asked" if retry.asked else ""
                budget.note(f"{what}: throttled by the platform: waiting {delay:g}s{asked}")
            else:
                circuit.spent += took
                backoff = () if circuit.open else RETRY_BACKOFF_S
                if transients >= len(backoff) or left <= 0:
                    circuit.open, circuit.reason = True, retry.reason
                    raise PullError(f"gave up after {attempt} attempt(s): {retry.reason}") from None
                delay = min(backoff[transients], left)
                transients += 1
                circuit.spent += delay
                budget.note(f"{what}: {retry.reason}; trying again in {delay:g}s")
            budget.wait(delay)
            continue
        circuit.open, circuit.spent = False, 0.0
        return result


_CONNECTION_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    (ConnectionRefusedError, "connection refused"),
    (ConnectionResetError, "connection reset"),
    (ConnectionAbortedError, "connection aborted"),
    (socket.gaierror, "unknown host"),
    (TimeoutError, "no answer in time"),
    (ssl.SSLError, "TLS failed"),
    (http.client.RemoteDisconnected, "closed the connection without an answer"),
    (http.client.BadStatusLine, "the answer is not HTTP"),
    (http.client.IncompleteRead, "the answer was cut off"),
    (ConnectionError, "connection failed"),
)


def connection_problem(exc: BaseException) -> str | None:
    """What went wrong on the way to the platform ("connection refused", ...), or None when the
    platform answered. Looks through the chain the HTTP stacks build (requests -> urllib3 ->
    socket; urllib's URLError.reason)."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    found: list[BaseException] = []
    while todo and len(seen) < 32:
        item = todo.pop(0)
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        found.append(item)
        todo += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]
    for kind, text in _CONNECTION_KINDS:
        if any(isinstance(e, kind) for e in found):
            return text
    names = {type(e).__name__ for e in found}
    if names & {"ConnectionError", "NewConnectionError", "ProtocolError", "ReadTimeout", "ConnectTimeout",
                "URLError", "MaxRetryError", "ChunkedEncodingError"}:
        return "connection failed"
    return None


def error_line(label: str, exc: BaseException) -> str:
    """A last-resort description of an error nobody classified: its type and first line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{label} error: {type(exc).__name__}" + (f": {text}" if text else "")


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
    describe: Callable[[Exception], str],
    *,
    landing_dir: Path,
    start: date,
    end: date,
    now: datetime | None,
) -> PullResult:
    """Fetch every account and write one landing file. Whatever an account fails with (an SDK
    error, a dead endpoint, an answer that is not JSON or XML, a spent retry budget) becomes one
    scrubbed line in `errors[account]` and the next account is pulled; the failed account's
    earlier rows stay (it is left out of the coverage). Only a missing credential stops the pull."""
    rows: list[list[object]] = []
    errors: dict[str, str] = {}
    for account in accounts:
        try:
            rows += fetch(account)
        except MissingCredential:
            raise
        except PullError as exc:
            errors[account] = one_line(str(exc))
        except Exception as exc:  # noqa: BLE001 (every SDK failure is one account's, by design)
            try:
                text = describe(exc)
            except Exception:  # noqa: BLE001 (a describer must not turn a report into a crash)
                text = error_line(platform, exc)
            errors[account] = one_line(text)
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
