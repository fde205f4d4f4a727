"""Run a table's suite on the rows one run landed, and say what failed in one line each.

Great Expectations (pandas datasource, ephemeral context: its SQL datasource over DuckDB is
broken here) evaluates every rule with mostly=1.0; the runner then decides the severity:
a `structural` rule always blocks, and a row rule blocks only when it fails systemically
(more than `block_share` of at least `block_min_rows` rows). Otherwise it is a warning: the bad
rows are quarantined by staging and reported in data_exceptions, and the run goes on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from expectations.suites import SUITES, Rule

if TYPE_CHECKING:
    import pandas as pd

BLOCK_SHARE = 0.10
BLOCK_MIN_ROWS = 20
_PARSED = "__date__"


@dataclass
class Failure:
    """A failed rule on a batch."""

    table: str
    rule: str
    columns: tuple[str, ...]
    severity: str  # error | warning
    unexpected_count: int
    element_count: int
    examples: list[str] = field(default_factory=list)
    message: str = ""


@dataclass
class BatchResult:
    table: str
    evaluated_rows: int
    errors: list[Failure] = field(default_factory=list)
    warnings: list[Failure] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return not self.errors


_CONTEXT: Any = None
_SUITES: dict[tuple[str, date], Any] = {}


def _context() -> Any:
    global _CONTEXT
    if _CONTEXT is None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        os.environ.setdefault("TQDM_DISABLE", "1")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        _CONTEXT = gx.get_context(mode="ephemeral")
        _CONTEXT.variables.progress_bars = ProgressBarsConfig(globally=False)
    return _CONTEXT


def _expectation(rule: Rule, as_of: date) -> Any:
    import great_expectations.expectations as gxe
    import pandas as pd

    cols = rule.columns
    if rule.kind == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=cols[0])
    if rule.kind == "regex":
        return gxe.ExpectColumnValuesToMatchRegex(column=cols[0], regex=str(rule.arg))
    if rule.kind == "in_set":
        return gxe.ExpectColumnValuesToBeInSet(column=cols[0], value_set=list(rule.arg))  # type: ignore[arg-type]
    if rule.kind == "unique":
        if len(cols) == 1:
            return gxe.ExpectColumnValuesToBeUnique(column=cols[0])
        return gxe.ExpectCompoundColumnsToBeUnique(column_list=list(cols))
    if rule.kind == "date_range":
        upper = pd.Timestamp(as_of) if rule.arg == "past" else None
        return gxe.ExpectColumnValuesToBeBetween(
            column=_PARSED + cols[0], min_value=pd.Timestamp("2000-01-01"), max_value=upper
        )
    if rule.kind == "a_ge_b":
        return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=_PARSED + cols[0],
            column_B=_PARSED + cols[1],
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        )
    raise ValueError(f"unknown rule kind {rule.kind}")


def _validation(table: str, as_of: date) -> Any:
    key = (table, as_of)
    if key not in _SUITES:
        import great_expectations as gx

        ctx = _context()
        name = f"{table}_{as_of.isoformat()}"
        asset = ctx.data_sources.add_or_update_pandas(f"raw_{name}").add_dataframe_asset(name)
        batch = asset.add_batch_definition_whole_dataframe(name)
        suite = gx.ExpectationSuite(name)
        for i, rule in enumerate(SUITES[table]):
            exp = _expectation(rule, as_of)
            exp.meta = {"rule": i}
            suite.add_expectation(exp)
        suite = ctx.suites.add_or_update(suite)
        _SUITES[key] = ctx.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
    return _SUITES[key]


def _prepare(table: str, df: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    df = df.reset_index(drop=True).copy()
    for rule in SUITES[table]:
        if rule.kind in ("date_range", "a_ge_b"):
            for c in rule.columns:
                text = df[c].astype("string")
                parsed = pd.to_datetime(text.where(text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")), format="%Y-%m-%d",
                                        errors="coerce")
                # A value that is not a real date (2026-02-30, 01/02/2026) fails the date range rule.
                df[_PARSED + c] = parsed.mask(text.notna() & parsed.isna(), pd.Timestamp("1900-01-01"))
    return df


def _where(df: pd.DataFrame, index: int, column: str) -> str:
    row = df.iloc[index]
    file = row.get("_source_file", "batch")
    number = row.get("_row_number", index + 1)
    value = row.get(column)
    return f"{file} row {number} column {column}: found '{'' if value is None else value}'"


def classify(rule: Rule, unexpected: int, rows: int, block_share: float, block_min_rows: int) -> str:
    """error when the rule is structural or fails systemically, else warning."""
    if rule.structural:
        return "error"
    return "error" if rows >= block_min_rows and unexpected > block_share * rows else "warning"


def validate_batch(
    table: str, df: pd.DataFrame, *, as_of: date, block_share: float = BLOCK_SHARE, block_min_rows: int = BLOCK_MIN_ROWS
) -> BatchResult:
    """Validate the landed rows of one table (all text, with _source_file and _row_number)."""
    result = BatchResult(table, len(df))
    if df.empty:
        return result
    prepared = _prepare(table, df)
    run = _validation(table, as_of).run(
        batch_parameters={"dataframe": prepared}, result_format={"result_format": "COMPLETE"}
    )
    for item in run.results:
        if item.success:
            continue
        rule = SUITES[table][item.expectation_config.meta["rule"]]
        info = item.result or {}
        indexes = list(info.get("unexpected_index_list") or [])
        unexpected = int(info.get("unexpected_count") or len(indexes))
        examples = [_where(prepared, i, rule.columns[0]) for i in indexes[:5] if isinstance(i, int)]
        severity = classify(rule, unexpected, len(df), block_share, block_min_rows)
        first = examples[0] if examples else f"table {table}"
        more = f" (+{unexpected - 1} more rows)" if unexpected > 1 else ""
        share = f"; {unexpected} of {len(df)} rows fail, the file looks wrong as a whole" if severity == "error" else ""
        failure = Failure(
            table,
            rule.describe or rule.kind,
            rule.columns,
            severity,
            unexpected,
            len(df),
            examples,
            f"{first}, expected {rule.describe}{more}{share}",
        )
        (result.errors if severity == "error" else result.warnings).append(failure)
    return result
