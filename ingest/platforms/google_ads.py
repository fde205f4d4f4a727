"""Google Ads: campaign spend per day through the official google-ads SDK (GAQL search_stream).

Retries honour what Google says: a quota error's retry_delay (per-second quotas); a quota error
without a delay is a daily cap and stops that account until tomorrow; RESOURCE_EXHAUSTED and
INTERNAL, which the SDK surfaces as plain gRPC errors, are retried after their retry_delay or a
short default.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from ingest.platforms.common import PullResult, chunks, credential, pull_each, with_retry

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

    while exc is not None:
        if isinstance(exc, grpc.RpcError) and callable(getattr(exc, "code", None)):
            return exc
        exc = exc.__cause__
    return None


def _retry_delay(exc: Exception) -> float | None:
    import grpc
    from google.ads.googleads.errors import GoogleAdsException

    if isinstance(exc, GoogleAdsException):
        quota, delay = _quota_delay(exc.failure)
        return delay if quota else None  # a quota error with no delay is a daily cap: stop
    call = _grpc_call(exc)
    code = call.code() if call is not None else None
    if code in (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNAVAILABLE):
        _quota, delay = _quota_delay(_failure_from_metadata(call.trailing_metadata()))
        return delay or (30.0 if code == grpc.StatusCode.RESOURCE_EXHAUSTED else 5.0)
    return None


def _error_text(exc: Exception) -> str:
    from google.ads.googleads.errors import GoogleAdsException

    if isinstance(exc, GoogleAdsException):
        messages = "; ".join(e.message for e in exc.failure.errors) or exc.error.code().name
        return f"Google Ads error {exc.error.code().name}: {messages}"
    call = _grpc_call(exc)
    return f"Google Ads error {call.code().name if call is not None else type(exc).__name__}"


def _account_rows(
    service: object, customer: str, start: date, end: date, sleep: Callable[[float], None], budget_s: float
) -> list[list[object]]:
    rows: list[list[object]] = []
    for lo, hi in chunks(start, end, MAX_RANGE_DAYS):
        query = QUERY.format(start=lo.isoformat(), end=hi.isoformat())

        def fetch(q: str = query) -> list[list[object]]:
            out = []
            for batch in service.search_stream(customer_id=customer, query=q):
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

        rows += with_retry(fetch, retry_delay=_retry_delay, sleep=sleep, budget_s=budget_s, what=f"customer {customer}")
    return rows


def pull(
    accounts: list[str],
    start: date,
    end: date,
    landing_dir: Path,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    budget_s: float = 900.0,
) -> PullResult:
    """Pull [start, end] for every customer id; one failure never loses the others' rows."""
    import grpc
    from google.ads.googleads.errors import GoogleAdsException
    from google.api_core.exceptions import GoogleAPICallError

    service = _client().get_service("GoogleAdsService", version=VERSION)
    return pull_each(
        PLATFORM,
        accounts,
        lambda a: _account_rows(service, a, start, end, sleep, budget_s),
        (GoogleAdsException, GoogleAPICallError, grpc.RpcError),
        _error_text,
        landing_dir=landing_dir,
        start=start,
        end=end,
        now=now,
    )
