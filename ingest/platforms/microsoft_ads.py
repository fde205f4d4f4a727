"""Microsoft Advertising: the CampaignPerformance report (daily, CSV FormatVersion 2.0) through
the official bingads SDK: submitted, polled, downloaded as a zip and parsed with exact decimals.

The SDK's own float helper turns "1,234.50" into 0, so the report CSV is parsed here: the header
block ("Report Name: ...", "Rows: N"), the column row, the data rows, and the "©" footer.
Throttling is SOAP fault code 117 (CallRateExceeded), the only throttle: submission is retried
after 60 s. A service that cannot be reached is retried after 1, 2, 4 s; both come out of one
bounded budget per account. Anything else (401, a 500 that is not a SOAP fault, bytes that are
not XML) is that account's one scrubbed line of printable text, never the raw answer.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from ingest.platforms.common import (
    ACCOUNT_RETRY_BUDGET_S,
    REPORT_WAIT_S,
    Circuit,
    PullResult,
    Retry,
    RetryBudget,
    chunks,
    connection_problem,
    credential,
    error_line,
    optional_credential,
    pull_each,
    throttled,
    transient,
    with_retry,
)
from ingest.platforms.scrub import install_log_filters

PLATFORM = "microsoft_ads"
COLUMNS = ["TimePeriod", "AccountId", "CurrencyCode", "CampaignId", "CampaignName", "Spend", "Impressions", "Clicks"]
MAX_RANGE_DAYS = 90
THROTTLE_WAIT_S = 60.0


def _authorization(account: str) -> object:
    from bingads.authorization import AuthorizationData, OAuthDesktopMobileAuthCodeGrant, OAuthTokens

    grant = OAuthDesktopMobileAuthCodeGrant(client_id=os.environ.get("MSADS_CLIENT_ID", "revwh"))
    # Tokens given as is: no refresh call at start-up (and none offline).
    grant._oauth_tokens = OAuthTokens(
        access_token=credential("MSADS_ACCESS_TOKEN", PLATFORM),
        access_token_expires_in_seconds=3600,
        refresh_token=optional_credential("MSADS_REFRESH_TOKEN", PLATFORM),
    )
    return AuthorizationData(
        account_id=int(account),
        customer_id=int(credential("MSADS_CUSTOMER_ID", PLATFORM)),
        developer_token=credential("MSADS_DEVELOPER_TOKEN", PLATFORM),
        authentication=grant,
    )


def _suds_options() -> dict:
    url = os.environ.get("REVWH_MSADS_REPORTING_URL")
    return {"location": url} if url else {}


def _request(factory: object, account: str, start: date, end: date) -> object:
    request = factory.create("CampaignPerformanceReportRequest")
    request.Format = "Csv"
    request.FormatVersion = "2.0"
    request.ReportName = f"revwh campaign spend {account} {start} {end}"
    request.ReturnOnlyCompleteData = False
    request.Aggregation = "Daily"
    request.ExcludeReportHeader = False
    request.ExcludeReportFooter = False
    scope = factory.create("AccountThroughCampaignReportScope")
    scope.AccountIds = {"long": [int(account)]}
    scope.Campaigns = None
    request.Scope = scope
    period = factory.create("ReportTime")
    for attr, day in (("CustomDateRangeStart", start), ("CustomDateRangeEnd", end)):
        d = factory.create("Date")
        d.Day, d.Month, d.Year = day.day, day.month, day.year
        setattr(period, attr, d)
    period.PredefinedTime = None
    period.ReportTimeZone = None
    request.Time = period
    columns = factory.create("ArrayOfCampaignPerformanceReportColumn")
    columns.CampaignPerformanceReportColumn.extend(COLUMNS)
    request.Columns = columns
    return request


def _iso(day: str) -> str:
    """Report days as ISO dates, whether the report wrote 2026-10-10 or 10/10/2026."""
    if "/" in day:
        month, dom, year = day.split("/")
        return f"{int(year):04d}-{int(month):02d}-{int(dom):02d}"
    return day


def parse_report(text: str) -> list[list[object]]:
    """Rows of a CampaignPerformance CSV (FormatVersion 2.0), amounts as exact decimals."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows: list[list[object]] = []
    header: list[str] | None = None
    for record in reader:
        if not record or not any(record):
            continue
        if header is None:
            if record[0] == "TimePeriod":
                header = record
            continue
        if record[0].startswith("©"):
            break
        r = dict(zip(header, record, strict=False))
        rows.append(
            [
                _iso(r["TimePeriod"]),
                r["AccountId"],
                r["CurrencyCode"],
                r["CampaignId"],
                r["CampaignName"],
                str(Decimal(r["Spend"].replace(",", ""))),
                int(r["Impressions"] or 0),
                int(r["Clicks"] or 0),
            ]
        )
    return rows


def _fault_text(exc: BaseException) -> str:
    return repr(getattr(exc, "fault", "")) + str(exc)


def _classify(exc: Exception) -> Retry | None:
    text = _fault_text(exc)
    if "117" in text and "CallRateExceeded" in text:
        return throttled("code 117 CallRateExceeded", THROTTLE_WAIT_S, asked=False)
    problem = connection_problem(exc)
    return transient(f"cannot reach Microsoft Advertising ({problem})") if problem else None


def _error_text(exc: BaseException) -> str:
    fault = getattr(exc, "fault", None)
    message = getattr(fault, "faultstring", None)
    if message:
        return f"Microsoft Advertising error: {message}"
    problem = connection_problem(exc)
    if problem:
        return f"cannot reach Microsoft Advertising ({problem})"
    status = _http_status(exc)
    if status is not None:
        return f"Microsoft Advertising error: HTTP {status[0]} {status[1]}, not a SOAP answer"
    if type(exc).__name__ == "SAXParseException":  # what suds raises for a body that is not XML
        return f"Microsoft Advertising error: the answer is not SOAP XML ({exc.getMessage()})"
    return error_line("Microsoft Advertising", exc)


def _http_status(exc: BaseException) -> tuple[int, str] | None:
    """suds reports an HTTP error without a SOAP fault as Exception((status, reason))."""
    for arg in exc.args:
        if isinstance(arg, tuple) and len(arg) == 2 and isinstance(arg[0], int):
            return arg[0], str(arg[1])
    return None


def _account_rows(
    account: str, start: date, end: date, budget: RetryBudget, poll_ms: int
) -> list[list[object]]:
    from bingads.service_client import ServiceClient
    from bingads.v13.reporting import ReportingDownloadParameters, ReportingServiceManager

    install_log_filters()
    auth = _authorization(account)
    manager = ReportingServiceManager(auth, poll_interval_in_milliseconds=poll_ms, **_suds_options())
    factory = ServiceClient("ReportingService", 13, auth, **_suds_options()).factory
    rows: list[list[object]] = []
    for lo, hi in chunks(start, end, MAX_RANGE_DAYS):
        with tempfile.TemporaryDirectory() as folder:
            params = ReportingDownloadParameters(
                report_request=_request(factory, account, lo, hi),
                result_file_directory=folder,
                result_file_name="report.csv",
                overwrite_result_file=True,
                timeout_in_milliseconds=int(REPORT_WAIT_S * 1000),  # the SDK's polling: bounded
            )
            path = with_retry(
                lambda p=params: manager.download_file(p),
                classify=_classify,
                budget=budget,
                what=f"account {account}",
            )
            if path:  # None: the report has no rows
                rows += parse_report(Path(path).read_text(encoding="utf-8-sig"))
    return rows


def pull(
    accounts: list[str],
    start: date,
    end: date,
    landing_dir: Path,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    poll_ms: int = 5000,
    budget_s: float = ACCOUNT_RETRY_BUDGET_S,
    note: Callable[[str], None] | None = None,
) -> PullResult:
    """Pull [start, end] for every account id; one failure never loses the others' rows.

    `budget_s`: what each account may spend on retries (the SDK's polling is bounded apart, by
    REPORT_WAIT_S)."""
    for name in ("MSADS_DEVELOPER_TOKEN", "MSADS_ACCESS_TOKEN", "MSADS_CUSTOMER_ID"):
        credential(name, PLATFORM)  # fail fast, naming the variable
    circuit = Circuit()  # one per pull: a dead endpoint is waited for once
    return pull_each(
        PLATFORM,
        accounts,
        lambda a: _account_rows(a, start, end, RetryBudget(budget_s, sleep=sleep, note=note, circuit=circuit), poll_ms),
        _error_text,
        landing_dir=landing_dir,
        start=start,
        end=end,
        now=now,
    )
