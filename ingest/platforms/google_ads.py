"""Google Ads: campaign spend per day through the official google-ads SDK (GAQL search_stream).

Retries honour what Google says: a quota error's retry_delay (per-second quotas); a quota error
without a delay is a daily cap and stops that account until tomorrow; RESOURCE_EXHAUSTED, which
the SDK surfaces as a plain gRPC error, waits its retry_delay or 30 s. Those are the only
throttles. UNAVAILABLE (a dead endpoint, no TLS, not gRPC), DEADLINE_EXCEEDED and INTERNAL are
not throttles: "cannot reach Google Ads (...)" or a server error, retried after 1, 2, 4 s and
then reported. All waits of an account come out of one bounded budget (common.RetryBudget).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from ingest.platforms.common import (
    ACCOUNT_RETRY_BUDGET_S,
    STREAM_TIMEOUT_S,
    Circuit,
    PullResult,
    Retry,
    RetryBudget,
    chunks,
    credential,
    error_line,
    pull_each,
    throttled,
    transient,
    with_retry,
)
from ingest.platforms.scrub import install_log_filters

PLATFORM = "google_ads"
VERSION = "v26"
QUERY = (
    "SELECT segments.date, customer.id, customer.currency_code, customer.time_zone, campaign.id, campaign.name,"
    " metrics.cost_micros, metrics.impressions, metrics.clicks FROM campaign"
    " WHERE segments.date BETWEEN '{start}' AND '{end}' ORDER BY segments.date, campaign.id"
)
MAX_RANGE_DAYS = 90
FAILURE_KEY = f"google.ads.googleads.{VERSION}.errors.googleadsfailure-bin"


def _client() -> object:
    import logging

    from google.ads.googleads.client import GoogleAdsClient

    # The SDK logs every faulting request at WARNING with request details; our per-account
    # report says what failed, without request headers (which carry the developer token).
    logging.getLogger("google.ads.googleads.client").setLevel(logging.ERROR)
    from google.oauth2.credentials import Credentials

    install_log_filters()

    return GoogleAdsClient(
        # An access token without expiry is used as is (no refresh call at start-up).
        credentials=Credentials(token=credential("GOOGLE_ADS_ACCESS_TOKEN", PLATFORM)),
        developer_token=credential("GOOGLE_ADS_DEVELOPER_TOKEN", PLATFORM),
        login_customer_id=os.environ.get("GOOGLE_ADS_LOGIN_CUSTOMER_ID") or None,
        endpoint=os.environ.get("REVWH_GOOGLE_ADS_ENDPOINT") or None,
        version=VERSION,
        use_proto_plus=True,
    )


def _failure_from_metadata(metadata: object) -> object | None:
    from google.ads.googleads.v26.errors.types.errors import GoogleAdsFailure

    for key, value in metadata or ():
        if key == FAILURE_KEY:
            return GoogleAdsFailure.deserialize(value)
    return None


def _quota_delay(failure: object) -> tuple[bool, float | None]:
    """(is a quota error, retry delay in seconds or None)."""
    quota, delay = False, None
    for error in getattr(failure, "errors", []):
        if "quota_error" in error.error_code:
            quota = True
            retry = error.details.quota_error_details.retry_delay
            if hasattr(retry, "total_seconds"):  # proto-plus gives a timedelta
                seconds = retry.total_seconds()
            else:
                seconds = retry.seconds + retry.nanos / 1e9 if retry else 0
            if seconds:
                delay = seconds
    return quota, delay


def _grpc_call(exc: BaseException) -> object | None:
    """The gRPC call behind an error: the SDK raises grpc errors or google.api_core wrappers."""
    import grpc

    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, grpc.RpcError) and callable(getattr(exc, "code", None)):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _status(exc: BaseException) -> tuple[str | None, str]:
    """(gRPC status name, its details) of an error, (None, "") when it carries none."""
    call = _grpc_call(exc)
    if call is not None:
        code = call.code()
        details = call.details() if callable(getattr(call, "details", None)) else ""
        return getattr(code, "name", str(code)), details or ""
    code = getattr(exc, "grpc_status_code", None)  # a google.api_core wrapper without its call
    if code is not None:
        return code.name, getattr(exc, "message", "") or ""
    return None, ""


def _short(details: str) -> str:
    """gRPC's connection details without the boilerplate: "Failed to connect to remote host:
    Connection refused", "Tls handshake failed (...)"."""
    details = re.sub(r"^failed to connect to all addresses; last error: \w+: (ipv[46]:\S+: )?", "", details)
    return details[:100]


def _classify(exc: Exception) -> Retry | None:
    from google.ads.googleads.errors import GoogleAdsException

    if isinstance(exc, GoogleAdsException):
        quota, delay = _quota_delay(exc.failure)
        # a quota error with no delay is a daily cap: stop the account until tomorrow
        return throttled("quota error", delay) if quota and delay else None
    code, details = _status(exc)
    if code == "RESOURCE_EXHAUSTED":
        call = _grpc_call(exc)
        _quota, delay = _quota_delay(_failure_from_metadata(call.trailing_metadata() if call else None))
        return throttled("RESOURCE_EXHAUSTED", delay or 30.0, asked=bool(delay))
    if code == "UNAVAILABLE":
        return transient(f"cannot reach Google Ads (UNAVAILABLE: {_short(details)})")
    if code == "DEADLINE_EXCEEDED":
        return transient(f"cannot reach Google Ads (no answer within {STREAM_TIMEOUT_S:g}s)")
    if code == "INTERNAL":
        return transient(f"Google Ads server error INTERNAL: {_short(details)}")
    return None


def _error_text(exc: Exception) -> str:
    from google.ads.googleads.errors import GoogleAdsException

    if isinstance(exc, GoogleAdsException):
        messages = "; ".join(e.message for e in exc.failure.errors) or exc.error.code().name
        return f"Google Ads error {exc.error.code().name}: {messages}"
    code, details = _status(exc)
    if code is None:
        return error_line("Google Ads", exc)
    return f"Google Ads error {code}" + (f": {details}" if details else "")


def _account_rows(
    service: object, customer: str, start: date, end: date, budget: RetryBudget
) -> list[list[object]]:
    rows: list[list[object]] = []
    for lo, hi in chunks(start, end, MAX_RANGE_DAYS):
        query = QUERY.format(start=lo.isoformat(), end=hi.isoformat())

        def fetch(q: str = query) -> list[list[object]]:
            out = []
            for batch in service.search_stream(customer_id=customer, query=q, timeout=STREAM_TIMEOUT_S):
                for row in batch.results:
                    out.append(
                        [
                            row.segments.date,
                            str(row.customer.id),
                            row.customer.currency_code,
                            row.customer.time_zone,
                            str(row.campaign.id),
                            row.campaign.name,
                            int(row.metrics.cost_micros),
                            int(row.metrics.impressions),
                            int(row.metrics.clicks),
                        ]
                    )
            return out

        rows += with_retry(fetch, classify=_classify, budget=budget, what=f"customer {customer}")
    return rows


def pull(
    accounts: list[str],
    start: date,
    end: date,
    landing_dir: Path,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    budget_s: float = ACCOUNT_RETRY_BUDGET_S,
    note: Callable[[str], None] | None = None,
) -> PullResult:
    """Pull [start, end] for every customer id; one failure never loses the others' rows.

    `budget_s`: what each customer may spend on retries (waits through `sleep`, failed calls)."""
    service = _client().get_service("GoogleAdsService", version=VERSION)
    circuit = Circuit()  # one per pull: a dead endpoint is waited for once
    return pull_each(
        PLATFORM,
        accounts,
        lambda a: _account_rows(service, a, start, end, RetryBudget(budget_s, sleep=sleep, note=note, circuit=circuit)),
        _error_text,
        landing_dir=landing_dir,
        start=start,
        end=end,
        now=now,
    )
