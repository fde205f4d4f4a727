"""CSV cells that cannot start a formula, for every CSV revwh writes for people.

The CSVs revwh writes for people (the close's credit run, liability aging, co-op claims and
enrolment gaps, and `revwh sql --format csv`) are opened in Excel or imported into QuickBooks.
A cell whose text starts with `=`, `+`, `-` or `@` is taken there as a formula, and a leading tab
or carriage return can hide one, so a client name such as `=HYPERLINK("http://evil","x")` coming
from a platform export would run as a formula on the finance team's machine (CSV injection, OWASP).
Following OWASP's rule, such a cell is written with a leading single quote `'`, which the
spreadsheet shows as text.

Numbers are left alone: a Decimal, int or float value, or text that is a plain decimal number
(`-12.50`, `-3`, `0.00`: `-?[0-9]+(\\.[0-9]+)?`), cannot be a formula, and quoting it would turn
negative amounts (credits, refunds) into text that no longer sums or imports as an amount.

Not used for the landing files ingest/demo/writer.py and ingest/platforms/common.py write: revwh
reads those back itself and their cells must stay exactly as the platform sent them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def safe_cell(value: object) -> str:
    """The cell's text, with a leading `'` when it would start a formula; numbers unchanged.

    None is written as an empty cell, as csv.writer does.
    """
    if value is None:
        return ""
    if isinstance(value, Decimal | int | float):
        return str(value)
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_row(row: Iterable[object]) -> list[str]:
    return [safe_cell(value) for value in row]


class SafeCsvWriter:
    """csv.writer whose every cell goes through safe_cell (header rows too)."""

    def __init__(self, fh: Any, **fmtparams: Any) -> None:
        self._writer = csv.writer(fh, **fmtparams)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)
