"""Date and money helpers the generator shares: month arithmetic and SPEC's billable rule."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    """Round half up to cents: the rounding the warehouse applies."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def days(start: date, end: date) -> Iterator[date]:
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def months(start: date, end: date) -> Iterator[date]:
    m = month_start(start)
    while m <= end:
        yield m
        m = add_months(m, 1)


def amount_on(schedule: list[tuple[date, Decimal]], d: date) -> Decimal:
    """A(c,d): the latest schedule amount effective on or before d (0 before the first)."""
    amount = Decimal(0)
    for effective, value in schedule:
        if effective <= d:
            amount = value
    return amount


def billable(schedule: list[tuple[date, Decimal]], start: date, end: date | None, month: date) -> Decimal:
    """SPEC's billable amount: sum of A(c,d)/D over active days of the month, rounded once."""
    last = month_end(month)
    first_day, last_day = max(start, month), min(end or last, last)
    if first_day > last_day:
        return Decimal("0.00")
    total = sum((amount_on(schedule, d) for d in days(first_day, last_day)), Decimal(0))
    return cents(total / last.day)
