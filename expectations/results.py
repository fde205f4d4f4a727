"""What a validation reports, in plain Python: no Great Expectations type leaves this package.

Shared by the GX runner and the cross-table checks so both read the same way in the Dagster
UI and the CLI: one line per failure naming file, row, column, what was expected and what was
found, plus up to five examples with their file and row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"
MAX_EXAMPLES = 5
BLOCK_SHARE = 0.10  # more than this share of a batch failing a row rule blocks the run
BLOCK_MIN_ROWS = 20  # ... when at least this many rows were checked (docs/DECISIONS.md, "Gates")


@dataclass
class Failure:
    """One failed rule on one batch.

    `examples` are JSON-ready dicts {"source_file", "row_number", "value"} (value is the text as
    landed) so they can go straight into Dagster metadata.
    """

    table: str
    rule: str  # the rule id in the suite's meta, e.g. "date:start_date"
    expectation: str  # the GX expectation type, or "cross_check"
    column: str | None
    severity: str  # "error" blocks the run, "warning" is reported only
    unexpected_count: int
    unexpected_percent: float | None
    examples: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""


@dataclass
class BatchResult:
    """The outcome of validating the rows one run landed for one table."""

    table: str
    success: bool  # no error-level failure
    evaluated_rows: int
    errors: list[Failure] = field(default_factory=list)
    warnings: list[Failure] = field(default_factory=list)
    elapsed_seconds: float = 0.0


def systemic(unexpected: int, checked: int, block_share: float, block_min_rows: int) -> bool:
    """A row rule failing for more than `block_share` of at least `block_min_rows` values means
    the export is wrong as a whole (e.g. dates in another format), not a few bad rows."""
    return checked >= block_min_rows and unexpected > block_share * checked


def example(source_file: object, row_number: object, value: object, detail: str | None = None) -> dict[str, Any]:
    """A JSON-ready example of a failing row: its file, row, landed text, and an optional detail
    (e.g. the contract's dates an effective_date falls outside of)."""
    ex: dict[str, Any] = {
        "source_file": None if source_file is None else str(source_file),
        "row_number": None if row_number is None else int(row_number),  # numpy ints are not JSON
        "value": None if value is None else str(value),
    }
    if detail:
        ex["detail"] = detail
    return ex


def where(ex: dict[str, Any]) -> str:
    return f"{ex['source_file'] or 'batch'} line {ex['row_number']}"


def found(ex: dict[str, Any], compound: bool = False) -> str:
    """The landed text in quotes; a compound value (`a='x', b='y'`) is already quoted."""
    if ex["value"] is None:
        text = "an empty value"
    else:
        text = str(ex["value"]) if compound else f"'{ex['value']}'"
    return f"{text} ({ex['detail']})" if ex.get("detail") else text


def row_message(
    table: str, column: str | None, expected: str, count: int, examples: list[dict[str, Any]], compound: bool = False
) -> str:
    """Isolated bad rows: the first one in full, then how many more."""
    if not examples:
        return f"{table}: {count} row(s), column {column}: expected {expected}"
    first = examples[0]
    more = f" (+{count - 1} more row{'s' if count > 2 else ''})" if count > 1 else ""
    return f"{where(first)}, column {column}: expected {expected}, found {found(first, compound)}{more}"


def block_message(
    table: str,
    column: str | None,
    expected: str,
    count: int,
    checked: int,
    block_share: float,
    examples: list[dict[str, Any]],
    compound: bool = False,
) -> str:
    """A systemic failure: where, how many, why it blocks, and one example."""
    files = sorted({e["source_file"] for e in examples if e["source_file"]})
    place = files[0] if len(files) == 1 else table
    share = 100.0 * count / checked if checked else 100.0
    eg = f"; e.g. line {examples[0]['row_number']} found {found(examples[0], compound)}" if examples else ""
    return (
        f"{place}: column {column} fails in {count} of {checked} rows ({share:.0f}%, more than "
        f"{block_share:.0%} blocks the run): expected {expected}{eg}"
    )
