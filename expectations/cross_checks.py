"""Rules that need two landed tables, over pandas frames of the current raw rows.

They report (warning) what staging cannot see row by row: a payment applied beyond its amount,
an application to an unknown invoice, a contract naming an unknown product or program, a budget
schedule row dated outside its contract.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from expectations.runner import BLOCK_MIN_ROWS, BLOCK_SHARE, Failure
from expectations.suites import Rule

if TYPE_CHECKING:
    import pandas as pd

CROSS_TABLES: dict[str, tuple[str, ...]] = {
    "payment_applications": ("payments", "invoices"),
    "contracts": ("products", "oem_programs"),
    "budget_schedule": ("contracts",),
}


def _dec(value: object) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _failure(table: str, rows: pd.DataFrame, bad: pd.Series, column: str, describe: str) -> list[Failure]:
    from expectations.runner import classify

    hits = rows[bad.fillna(False).astype(bool)]
    if hits.empty:
        return []
    examples = [
        f"{r['_source_file']} row {r['_row_number']} column {column}: found '{r[column]}'"
        for _, r in hits.head(5).iterrows()
    ]
    severity = classify(Rule("cross", (column,)), len(hits), len(rows), BLOCK_SHARE, BLOCK_MIN_ROWS)
    more = f" (+{len(hits) - 1} more rows)" if len(hits) > 1 else ""
    return [
        Failure(
            table,
            describe,
            (column,),
            severity,
            len(hits),
            len(rows),
            examples,
            f"{examples[0]}, expected {describe}{more}",
        )
    ]


def _payment_applications(new: pd.DataFrame, ctx: dict[str, pd.DataFrame]) -> list[Failure]:
    payments, invoices = ctx["payments"], ctx["invoices"]
    out = _failure(
        "payment_applications",
        new,
        ~new["invoice_id"].isin(set(invoices["invoice_id"])),
        "invoice_id",
        "an invoice_id present in invoices",
    )
    amounts = {p: _dec(a) for p, a in zip(payments["payment_id"], payments["amount"], strict=True)}
    applied: dict[str, Decimal] = {}
    for p, a in zip(new["payment_id"], new["amount_applied"], strict=True):
        applied[p] = applied.get(p, Decimal(0)) + (_dec(a) or Decimal(0))
    over = new["payment_id"].map(lambda p: amounts.get(p) is not None and applied[p] > amounts[p])
    return out + _failure(
        "payment_applications", new, over, "amount_applied", "applications of a payment not above the payment's amount"
    )


def _contracts(new: pd.DataFrame, ctx: dict[str, pd.DataFrame]) -> list[Failure]:
    products, programs = set(ctx["products"]["product_code"]), set(ctx["oem_programs"]["program_code"])
    return _failure(
        "contracts", new, ~new["product_code"].isin(products), "product_code", "a known product_code"
    ) + _failure(
        "contracts",
        new,
        new["program_code"].notna() & ~new["program_code"].isin(programs),
        "program_code",
        "a known program_code",
    )


def _budget_schedule(new: pd.DataFrame, ctx: dict[str, pd.DataFrame]) -> list[Failure]:
    spans = {
        c: (s, e)
        for c, s, e in zip(
            ctx["contracts"]["contract_id"], ctx["contracts"]["start_date"], ctx["contracts"]["end_date"], strict=True
        )
    }

    def outside(row: pd.Series) -> bool:
        start, end = spans.get(row["contract_id"], (None, None))
        day = row["effective_date"]
        if start is None or day is None:
            return False
        return day < start or (end is not None and isinstance(end, str) and day > end)

    return _failure(
        "budget_schedule",
        new,
        new.apply(outside, axis=1),
        "effective_date",
        "an effective_date inside the contract's dates",
    )


CHECKS: dict[str, Callable[[pd.DataFrame, dict[str, pd.DataFrame]], list[Failure]]] = {
    "payment_applications": _payment_applications,
    "contracts": _contracts,
    "budget_schedule": _budget_schedule,
}


def cross_check(table: str, new: pd.DataFrame, context_tables: dict[str, pd.DataFrame]) -> list[Failure]:
    """Failures of the cross-table rules of `table` on its newly landed rows."""
    if table not in CHECKS or new.empty:
        return []
    return CHECKS[table](new.reset_index(drop=True), context_tables)
