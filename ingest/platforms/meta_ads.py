"""Meta (Facebook) Ads: campaign insights per day through the official facebook-business SDK.

Short ranges use the synchronous insights edge (paged); ranges longer than ASYNC_AFTER_DAYS use
an async report run (submit, poll, page through the results). Throttling (error codes 4, 17,
613, 80000, 80004) waits what Meta's usage header says (estimated_time_to_regain_access, in
minutes), else a minute, within a bounded budget.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from ingest.platforms.common import PullError, PullResult, chunks, credential, pull_each, with_retry

PLATFORM = "meta_ads"
API_VERSION = "v26.0"
FIELDS = [
    "date_start",
    "account_id",
    "account_currency",
    "campaign_id",
    "campaign_name",
    "spend",
    "impressions",
    "clicks",
]
THROTTLE_CODES = {4, 17, 613, 80000, 80004}
ASYNC_AFTER_DAYS = 31
MAX_RANGE_DAYS = 90  # one request covers at most this many days


def _retry_delay(exc: Exception) -> float | None:
    from facebook_business.exceptions import FacebookRequestError

    if not isinstance(exc, FacebookRequestError) or exc.api_error_code() not in THROTTLE_CODES:
        return None
    headers = {k.lower(): v for k, v in (exc.http_headers() or {}).items()}
    minutes = 0.0
    for key in ("x-business-use-case-usage", "x-ad-account-usage"):
        raw = headers.get(key)
        if not raw:
            continue
        try:
            usage = json.loads(raw)
        except ValueError:
            continue
        entries = (
            [e for v in usage.values() for e in (v if isinstance(v, list) else [v])]
            if isinstance(usage, dict) and "acc_id_util_pct" not in usage
            else [usage]
        )
        for entry in entries:
            if isinstance(entry, dict):
                minutes = max(minutes, float(entry.get("estimated_time_to_regain_access") or 0))
    return minutes * 60 if minutes else 60.0


def _api() -> object:
    from facebook_business.api import FacebookAdsApi

    api = FacebookAdsApi.init(
        access_token=credential("META_ACCESS_TOKEN", PLATFORM), api_version=API_VERSION, crash_log=False
    )  # crash_log would install a hook reporting to Meta
    graph = os.environ.get("REVWH_META_GRAPH_URL")
    if graph:
        api._session.GRAPH = graph.rstrip("/")  # a local fake server in tests
    return api


def _rows(cursor: object) -> list[list[object]]:
    out = []
    for item in cursor:  # the SDK's cursor follows paging.next
        out.append(
            [
                item["date_start"],
                str(item["account_id"]),
                item.get("account_currency", ""),
                str(item["campaign_id"]),
                item.get("campaign_name", ""),
                str(Decimal(str(item["spend"]))),
                int(item.get("impressions") or 0),
                int(item.get("clicks") or 0),
            ]
        )
    return out


def _account_rows(
    api: object,
    account: str,
    start: date,
    end: date,
    sleep: Callable[[float], None],
    poll_interval: float,
    budget_s: float,
) -> list[list[object]]:
    from facebook_business.adobjects.adaccount import AdAccount
    from facebook_business.adobjects.adreportrun import AdReportRun

    acct = AdAccount(f"act_{account}", api=api)
    rows: list[list[object]] = []
    for lo, hi in chunks(start, end, MAX_RANGE_DAYS):
        params = {
            "level": "campaign",
            "time_increment": 1,
            "time_range": {"since": lo.isoformat(), "until": hi.isoformat()},
        }
        if (hi - lo).days + 1 <= ASYNC_AFTER_DAYS:
            rows += with_retry(
                lambda p=params: _rows(acct.get_insights(fields=FIELDS, params=p)),
                retry_delay=_retry_delay,
                sleep=sleep,
                budget_s=budget_s,
                what=f"account {account}",
            )
            continue

        def run_report(p: dict = params) -> list[list[object]]:
            job = acct.get_insights(fields=FIELDS, params=p, is_async=True)
            waited = 0.0
            while True:
                job.api_get()
                status = job[AdReportRun.Field.async_status]
                if status == "Job Completed":
                    return _rows(job.get_result(params={"limit": 500}))
                if status in ("Job Failed", "Job Skipped"):
                    raise PullError(f"account {account}: async report {status.lower()}")
                if waited > budget_s:
                    raise PullError(f"account {account}: async report not ready after {waited:.0f}s")
                sleep(poll_interval)
                waited += poll_interval

        rows += with_retry(
            run_report, retry_delay=_retry_delay, sleep=sleep, budget_s=budget_s, what=f"account {account}"
        )
    return rows


def pull(
    accounts: list[str],
    start: date,
    end: date,
    landing_dir: Path,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    poll_interval: float = 5.0,
    budget_s: float = 900.0,
) -> PullResult:
    """Pull [start, end] for every account; one account's failure never loses the others' rows."""
    from facebook_business.exceptions import FacebookRequestError

    api = _api()
    return pull_each(
        PLATFORM,
        accounts,
        lambda a: _account_rows(api, a, start, end, sleep, poll_interval, budget_s),
        (FacebookRequestError,),
        lambda exc: f"Meta error {exc.api_error_code()}: {exc.api_error_message()}",
        landing_dir=landing_dir,
        start=start,
        end=end,
        now=now,
    )
