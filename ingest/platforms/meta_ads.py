"""Meta (Facebook) Ads: campaign insights per day through the official facebook-business SDK.

Short ranges use the synchronous insights edge (paged); ranges longer than ASYNC_AFTER_DAYS use
an async report run (submit, poll, page through the results). Throttling (error codes 4, 17,
613, 80000, 80004) waits what Meta's usage header says (estimated_time_to_regain_access, in
minutes), else a minute; a Graph API that cannot be reached is retried after 1, 2, 4 s; both come
out of one bounded budget per account. Any other failure (401, 500, an answer that is not JSON)
is that account's one scrubbed line: the SDK's own error text can carry the request URL, whose
query holds the access token.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from ingest.platforms.common import (
    ACCOUNT_RETRY_BUDGET_S,
    REPORT_WAIT_S,
    REQUEST_TIMEOUT_S,
    Circuit,
    PullError,
    PullResult,
    Retry,
    RetryBudget,
    chunks,
    connection_problem,
    credential,
    error_line,
    pull_each,
    throttled,
    transient,
    with_retry,
)
from ingest.platforms.scrub import install_log_filters

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


class NotGraphAnswer(Exception):
    """The Graph API answered something that is not JSON: a proxy's error page, bytes. (The SDK
    would take such a body for data and fail later with "Bad data to set object data".)"""

    def __init__(self, status: int, content_type: str | None) -> None:
        self.status = status
        super().__init__(f"HTTP {status}, an answer that is not JSON ({content_type or 'no content type'})")


def _check_answer(response: object, *args: object, **kwargs: object) -> object:
    """A requests response hook: every Graph API answer is JSON, or the call fails here."""
    try:
        response.json()
    except ValueError:
        raise NotGraphAnswer(response.status_code, response.headers.get("Content-Type")) from None
    return response


def _classify(exc: Exception) -> Retry | None:
    from facebook_business.exceptions import FacebookRequestError

    if isinstance(exc, NotGraphAnswer):
        return None
    if not isinstance(exc, FacebookRequestError):
        problem = connection_problem(exc)
        return transient(f"cannot reach Meta ({problem})") if problem else None
    if exc.api_error_code() not in THROTTLE_CODES:
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
    code = f"code {exc.api_error_code()}"
    return throttled(code, minutes * 60) if minutes else throttled(code, 60.0, asked=False)


def _error_text(exc: Exception) -> str:
    from facebook_business.exceptions import FacebookRequestError

    if isinstance(exc, FacebookRequestError):
        code, message = exc.api_error_code(), exc.api_error_message()
        return f"Meta error {code}: {message}"
    if isinstance(exc, NotGraphAnswer):
        return f"Meta error: {exc}"
    problem = connection_problem(exc)
    if problem:
        return f"cannot reach Meta ({problem})"
    return error_line("Meta", exc)


def _api() -> object:
    from facebook_business.api import FacebookAdsApi

    api = FacebookAdsApi.init(
        access_token=credential("META_ACCESS_TOKEN", PLATFORM),
        api_version=API_VERSION,
        crash_log=False,  # crash_log would install a hook reporting to Meta
        timeout=REQUEST_TIMEOUT_S,
    )
    api._session.requests.hooks["response"].append(_check_answer)
    install_log_filters()
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
    budget: RetryBudget,
    poll_interval: float,
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
                classify=_classify,
                budget=budget,
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
                if waited + poll_interval > REPORT_WAIT_S:  # the report's own wait: bounded too
                    raise PullError(f"account {account}: async report not ready after {waited:.0f}s")
                budget.pause(poll_interval)
                waited += poll_interval

        rows += with_retry(run_report, classify=_classify, budget=budget, what=f"account {account}")
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
    budget_s: float = ACCOUNT_RETRY_BUDGET_S,
    note: Callable[[str], None] | None = None,
) -> PullResult:
    """Pull [start, end] for every account; one account's failure never loses the others' rows.

    `budget_s`: what each account may spend on retries (an async report's polling is bounded
    apart, by REPORT_WAIT_S)."""
    api = _api()
    circuit = Circuit()  # one per pull: a dead endpoint is waited for once

    def fetch(account: str) -> list[list[object]]:
        budget = RetryBudget(budget_s, sleep=sleep, note=note, circuit=circuit)
        return _account_rows(api, account, start, end, budget, poll_interval)

    return pull_each(
        PLATFORM,
        accounts,
        fetch,
        _error_text,
        landing_dir=landing_dir,
        start=start,
        end=end,
        now=now,
    )
