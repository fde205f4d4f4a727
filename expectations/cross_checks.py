"""Rules that need two landed tables, over pandas frames, reported like the GX suites.

A GX suite sees one table's batch; these rules look the new rows up in the current rows of
other tables (`context_tables`, all text as landed, typically every raw row of that table):

- payment_applications: the payment and the invoice are known; a payment is not applied beyond
  its amount (the applications current for it, summed, against the payment's current amount);
- contracts: product_code and program_code (when given) are known;
- budget_schedule: the contract is known and effective_date lies inside its start/end dates
  (a warning only, never a block: SPEC 5, a budget row after a cancellation has no effect);
- oem_programs: every eligible product is a known product code;
- ad_accounts: the contract is known.

Severity as for row rules: a warning (the rows are reported; staging and the marts turn them
into exceptions such as unknown_reference or unapplied cash), an error when more than
block_share of at least block_min_rows new rows fail (the other export is missing or stale as a
whole). A rule whose context table is not given is skipped: it cannot be judged.

No Great Expectations here: these are lookups between frames, cheap in pandas.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from expectations.results import (
    BLOCK_MIN_ROWS,
    BLOCK_SHARE,
    ERROR,
    MAX_EXAMPLES,
    WARNING,
    Failure,
    block_message,
    example,
    row_message,
    systemic,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CROSS_TABLES", "cross_check"]

# Which other tables each table's cross rules read (the orchestration loads these from raw).
CROSS_TABLES: dict[str, tuple[str, ...]] = {
    "payment_applications": ("payments", "invoices", "payment_applications"),
    "contracts": ("products", "oem_programs"),
    "budget_schedule": ("contracts",),
    "oem_programs": ("products",),
    "ad_accounts": ("contracts",),
}

Check = Callable[["pd.DataFrame", dict[str, "pd.DataFrame"], "_Report"], None]


def _text(series: pd.Series) -> pd.Series:
    """Values as staging reads them: trimmed text, None when empty or missing."""
    text = series.astype("string").str.strip()
    return text.astype(object).where(text.notna() & (text != ""), None)


def _dec(value: object) -> Decimal | None:
    """An exact amount, or None when the text is not one (the suites report malformed amounts)."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None  # 'NaN' parses, and cannot be compared


def _current(df: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """One row per key: the file sorting last wins (SPEC 1), as staging decides."""
    if "_source_file" not in df.columns:
        return df.drop_duplicates(key, keep="last")
    order = ["_source_file", "_row_number"] if "_row_number" in df.columns else ["_source_file"]
    return df.sort_values(order, kind="stable").drop_duplicates(key, keep="last")


class _Report:
    """Collects failures for the new rows of one table."""

    def __init__(self, table: str, new: pd.DataFrame, block_share: float, block_min_rows: int) -> None:
        self.table, self.new = table, new
        self.block_share, self.block_min_rows = block_share, block_min_rows
        self.failures: list[Failure] = []

    def add(
        self, rule: str, column: str, bad: pd.Series, expected: str, detail: pd.Series | None = None,
        *, may_block: bool = True,
    ) -> None:
        """Report the new rows where `bad` is true, with the column's text and an optional detail.

        `may_block=False` keeps the finding a warning however many rows fail: for rules whose
        rows change no figure (SPEC 5: a budget row after a cancellation has no effect)."""
        mask = bad.fillna(False).astype(bool)
        hits = self.new[mask].head(MAX_EXAMPLES)
        if hits.empty:
            return
        examples = [
            example(r.get("_source_file"), r.get("_row_number", i + 2), r[column],
                    None if detail is None else str(detail[i]))
            for i, r in hits.iterrows()
        ]
        count, rows = int(mask.sum()), len(self.new)
        if may_block and systemic(count, rows, self.block_share, self.block_min_rows):
            severity = ERROR
            message = block_message(self.table, column, expected, count, rows, self.block_share, examples)
        else:
            severity = WARNING
            message = row_message(self.table, column, expected, count, examples)
        self.failures.append(
            Failure(self.table, rule, "cross_check", column, severity, count, 100.0 * count / rows, examples, message)
        )


def _known(report: _Report, column: str, other: pd.DataFrame, other_column: str, other_table: str) -> None:
    values = _text(report.new[column])
    known = set(_text(other[other_column]).dropna())
    report.add(f"known:{column}", column, values.notna() & ~values.isin(known),
               f"{other_column} present in {other_table}")


def _payment_applications(new: pd.DataFrame, ctx: dict[str, pd.DataFrame], report: _Report) -> None:
    if "payments" in ctx:
        _known(report, "payment_id", ctx["payments"], "payment_id", "payments")
    if "invoices" in ctx:
        _known(report, "invoice_id", ctx["invoices"], "invoice_id", "invoices")
    if "payments" not in ctx:
        return
    payments = _current(ctx["payments"].assign(_k=_text(ctx["payments"]["payment_id"])), ["_k"])
    amount = {k: _dec(a) for k, a in zip(payments["_k"], payments["amount"], strict=True)}
    apps = ctx.get("payment_applications", new)
    apps = _current(
        apps.assign(_p=_text(apps["payment_id"]), _i=_text(apps["invoice_id"])), ["_p", "_i"]
    )
    applied: dict[str, Decimal] = {}
    for p, a in zip(apps["_p"], apps["amount_applied"], strict=True):
        value = _dec(a)
        if p is not None and value is not None:
            applied[p] = applied.get(p, Decimal(0)) + value
    pay = _text(new["payment_id"])
    over = pay.map(lambda p: p in amount and amount[p] is not None and applied.get(p, Decimal(0)) > amount[p])
    shown = pay.map(lambda p: f"payment {p} of {amount.get(p)} has {applied.get(p)} applied in all")
    report.add("within_payment:amount_applied", "amount_applied", over,
               "applications of a payment not above the payment's amount", shown)


def _contracts(new: pd.DataFrame, ctx: dict[str, pd.DataFrame], report: _Report) -> None:
    if "products" in ctx:
        _known(report, "product_code", ctx["products"], "product_code", "products")
    if "oem_programs" in ctx:
        _known(report, "program_code", ctx["oem_programs"], "program_code", "oem_programs")


def _budget_schedule(new: pd.DataFrame, ctx: dict[str, pd.DataFrame], report: _Report) -> None:
    import pandas as pd

    if "contracts" not in ctx:
        return
    contracts = ctx["contracts"]
    _known(report, "contract_id", contracts, "contract_id", "contracts")
    current = _current(contracts.assign(_k=_text(contracts["contract_id"])), ["_k"])
    span = {
        k: (s, e)
        for k, s, e in zip(current["_k"], _text(current["start_date"]), _text(current["end_date"]), strict=True)
    }
    day = _text(new["effective_date"])

    def outside(contract: object, d: object) -> bool:
        start, end = span.get(contract, (None, None))
        # ISO dates compare as text; malformed ones are the suites' business, not this rule's.
        if not (isinstance(d, str) and isinstance(start, str) and _iso(d) and _iso(start)):
            return False
        return d < start or (isinstance(end, str) and _iso(end) and d > end)

    contract = _text(new["contract_id"])
    bad = [outside(c, d) for c, d in zip(contract, day, strict=True)]
    shown = [
        f"contract {c} runs {span[c][0]} to {span[c][1] or 'open-ended'}" if b else ""
        for c, d, b in zip(contract, day, bad, strict=True)
    ]
    # Rows outside the contract's dates have no effect on any figure: never a reason to block.
    report.add("inside_contract:effective_date", "effective_date", pd.Series(bad, index=new.index),
               "an effective_date between the contract's start_date and end_date", pd.Series(shown, index=new.index),
               may_block=False)


def _oem_programs(new: pd.DataFrame, ctx: dict[str, pd.DataFrame], report: _Report) -> None:
    if "products" not in ctx:
        return
    known = set(_text(ctx["products"]["product_code"]).dropna())
    codes = _text(new["eligible_products"]).map(
        lambda v: [] if v is None else [c.strip() for c in str(v).split("|") if c.strip()]
    )
    unknown = codes.map(lambda cs: [c for c in cs if c not in known])
    report.add("known:eligible_products", "eligible_products", unknown.map(bool),
               "eligible product codes present in products",
               unknown.map(lambda cs: "unknown: " + "|".join(cs)))


def _ad_accounts(new: pd.DataFrame, ctx: dict[str, pd.DataFrame], report: _Report) -> None:
    if "contracts" in ctx:
        _known(report, "contract_id", ctx["contracts"], "contract_id", "contracts")


def _iso(text: str) -> bool:
    return len(text) == 10 and text[4] == "-" and text[7] == "-" and text.replace("-", "").isdigit()


CHECKS: dict[str, Check] = {
    "payment_applications": _payment_applications,
    "contracts": _contracts,
    "budget_schedule": _budget_schedule,
    "oem_programs": _oem_programs,
    "ad_accounts": _ad_accounts,
}


def cross_check(
    table: str,
    new: pd.DataFrame,
    context_tables: dict[str, pd.DataFrame],
    *,
    block_share: float = BLOCK_SHARE,
    block_min_rows: int = BLOCK_MIN_ROWS,
) -> list[Failure]:
    """Failures of the cross-table rules of `table` on its newly landed rows `new`."""
    if table not in CHECKS or new.empty:
        return []
    frame = new.reset_index(drop=True)
    report = _Report(table, frame, block_share, block_min_rows)
    CHECKS[table](frame, context_tables, report)
    return report.failures
