"""Reading the published warehouse for a report: read-only, with the marts it needs, as dicts.

Every report module opens the warehouse the same way: a missing file or a warehouse built by an
older revwh (a mart missing) is a ReportError with one line saying what to do, never a DuckDB
traceback; rows come back as dicts with money as Decimal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

Row = dict[str, Any]


class ReportError(Exception):
    """The warehouse cannot be reported on (missing, or built before the report marts existed)."""


@contextmanager
def open_marts(warehouse: Path, required: Iterable[str]) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to `warehouse`, once every mart in `required` is known to exist."""
    if not Path(warehouse).is_file():
        raise ReportError(f"no warehouse at {warehouse}: run `revwh run` (or `revwh demo`) first, or pass --warehouse")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        present = {t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
        missing = [t for t in required if t not in present]
        if missing:
            raise ReportError(
                f"{warehouse} has no marts.{', marts.'.join(missing)}: it was built by an older revwh;"
                " run `revwh run` again to rebuild it"
            )
        yield con
    finally:
        con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[Row]:
    """The query's rows as dicts by column name."""
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
