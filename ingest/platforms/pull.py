"""One entry point for all platforms: which accounts, which window, which connector."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from ingest.platforms import PLATFORMS
from ingest.platforms.common import PullResult, accounts_for


def pull_platform(
    platform: str,
    *,
    start: date,
    end: date,
    landing_dir: Path,
    extra_accounts: list[str] | None = None,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    note: Callable[[str], None] | None = None,
) -> PullResult:
    """Pull one platform's daily campaign spend for [start, end] into the landing directory.

    `note` hears why a pull waits (a throttle, a platform that cannot be reached), one line each."""
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}: expected one of {', '.join(PLATFORMS)}")
    module = importlib.import_module(f"ingest.platforms.{platform}")
    accounts = accounts_for(platform, landing_dir, extra_accounts)
    return module.pull(accounts, start, end, landing_dir, now=now, sleep=sleep, note=note)
