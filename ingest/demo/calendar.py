"""Date and money helpers the generator shares: month arithmetic and SPEC's billable rule.

The generator must bill exactly what the warehouse will compute (so that every reconciliation
finding in the demo is a deliberate one), hence one implementation of SPEC section 2's
billable-amount rule here, in Decimal, rounded half up to cents once at the end.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ONE_DAY = timedelta(days=1)

Schedule = Sequence[tuple[date, Decimal]]  # (effective_date, monthly_amount), sorted by date


def cents(value: Decimal) -> Decimal:
    """Round half up to cents: the rounding the warehouse applies."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal) -> str:
    """A money amount as landed: plain decimal, exactly two places, no separators."""
    return f"{cents(value):.2f}"


def month_start(d: date) -> date:
    """First day of d's month (SPEC: month columns hold the first day)."""
    return d.replace(day=1)


def days_in_month(d: date) -> int:
    """D in SPEC's billable rule."""
    return calendar.monthrange(d.year, d.month)[1]


def month_end(d: date) -> date:
    """Last day of d's month."""
    return d.replace(day=days_in_month(d))


def add_months(d: date, n: int) -> date:
    """d shifted by n calendar months, the day clamped to the target month's length."""
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def days(start: date, end: date) -> Iterator[date]:
    """Every day from start to end, both included."""
    d = start
    while d <= end:
        yield d
        d += ONE_DAY


def months(start: date, end: date) -> Iterator[date]:
    """First days of every month touching [start, end]."""
    m = month_start(start)
    while m <= end:
        yield m
        m = add_months(m, 1)


def amount_on(schedule: Schedule, d: date) -> Decimal:
    """A(c,d): the latest schedule amount effective on or before d (0 before the first)."""
    amount = ZERO
    for effective, value in schedule:
        if effective > d:
            break
        amount = value
    return amount


def amount_day_sum(schedule: Schedule, first: date, last: date) -> Decimal:
    """Sum of A(c,d) over first..last, by schedule segment rather than day by day (exact)."""
    total = Decimal(0)
    for i, (effective, value) in enumerate(schedule):
        seg_first = max(effective, first)
        seg_last = min(schedule[i + 1][0] - ONE_DAY, last) if i + 1 < len(schedule) else last
        if seg_first <= seg_last:
            total += value * ((seg_last - seg_first).days + 1)
    return total


def active_span(start: date, end: date | None, month: date, through: date | None = None) -> tuple[date, date] | None:
    """The contract's active days in the month (optionally only up to `through`), or None."""
    last = month_end(month)
    if through is not None:
        last = min(last, through)
    first_day, last_day = max(start, month), min(end or last, last)
    return (first_day, last_day) if first_day <= last_day else None


def billable(schedule: Schedule, start: date, end: date | None, month: date) -> Decimal:
    """SPEC's billable amount: sum of A(c,d)/D over active days of the month, rounded once."""
    span = active_span(start, end, month)
    if span is None:
        return ZERO
    return cents(amount_day_sum(schedule, *span) / days_in_month(month))
