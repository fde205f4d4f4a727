"""Lines about the published marts that every engine's summary and publish step say alike: the
as-of warning and the QuickBooks tie-out (plain SQL: DuckDB, PostgreSQL's PgQuery and the Spark
reader run it unchanged)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import duckdb

from orchestration.run.guards import AS_OF_LAG_WARNING_DAYS


def as_of_warning(con: duckdb.DuckDBPyConnection, as_of: date) -> str | None:
    """A warning when T lies more than 3 days after the latest landed spend day: the spend of the
    days between is missing (a pull that did not run), so pacing would read 'under' everywhere."""
    latest = con.execute("select max(spend_date) from marts.fct_ad_spend_daily").fetchone()[0]
    if latest is None or (as_of - latest).days <= AS_OF_LAG_WARNING_DAYS:
        return None
    return (
        f"Warning: as-of date {as_of} is {(as_of - latest).days} days after the latest landed spend day"
        f" ({latest}); spend since then is missing, so pacing and delivered media are understated"
    )


def tieout_line(con: Any, marts: set[str]) -> str | None:
    """The QuickBooks tie-out in one line, from marts.ledger_tieout (None when the warehouse has no
    such mart: built by an older revwh, or a target that skipped it). Works on DuckDB, PostgreSQL
    (PgQuery) and the Spark reader alike: plain SQL only. A customer's difference counts in
    absolute value, per currency and in all (USD at T's rates, ledger_tieout.difference_usd)."""
    if "ledger_tieout" not in marts:
        return None
    rows = con.execute(
        "select doc_type, currency, count(*), sum(case when ties then 1 else 0 end),"
        " sum(abs(difference)), sum(abs(difference_usd)),"
        " sum(case when difference_usd is null and not ties then 1 else 0 end)"
        " from marts.ledger_tieout where doc_type in ('invoice', 'customer') group by 1, 2"
    ).fetchall()
    total = con.execute("select count(*) from marts.ledger_tieout").fetchone()[0]
    if not total:
        return "QuickBooks: no balances pulled yet (ledger_tieout is empty)"
    invoices = [r for r in rows if r[0] == "invoice"]
    customers = sorted((r for r in rows if r[0] == "customer"), key=lambda r: (r[1] != "USD", r[1] or ""))
    tied = sum(int(r[3] or 0) for r in invoices)
    count = sum(int(r[2] or 0) for r in invoices)
    usd = sum((Decimal(r[5] or 0) for r in customers), Decimal(0))
    no_rate = sum(int(r[6] or 0) for r in customers)
    per_currency = ", ".join(f"{r[1]} {Decimal(r[4] or 0):,.2f}" for r in customers) or "no customers"
    line = (f"AR ties to QuickBooks: {tied:,} of {count:,} invoices; customers' balances differ by {usd:,.2f}"
            f" USD-equivalent ({per_currency})")
    if no_rate:
        line += f"; {no_rate} customer difference(s) without a USD rate left out of the total"
    differs = con.execute("select count(*) from marts.ledger_tieout where not ties").fetchone()[0]
    return line + (f" — {differs:,} row(s) differ, see marts.ledger_tieout" if differs else "")


def optional_tieout(con: Any) -> str | None:
    """The tie-out line on PostgreSQL or Spark; None (no line) when the mart is absent or unreadable."""
    try:
        present = {t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
        return tieout_line(con, present)
    except Exception:  # noqa: BLE001 (a summary line is never worth a failed run)
        return None
