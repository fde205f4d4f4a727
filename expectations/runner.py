"""Run a table's suite (expectations/suites/<table>.json) on the rows one run landed.

The suite is evaluated inside DuckDB by expectations/sql_engine.py, where the rows are: the
gate (`validate_landed`) reads the rows of this run's files straight from `raw.<table>`, and
`validate_batch` does the same for a data frame (tests, ad-hoc checks). The tests prove the
engine and Great Expectations itself agree on the same suites (tests/test_expectations.py).

Severity comes from each expectation's `meta.severity` (see build_suites.py):
- a failing **error** expectation blocks the run: a structural rule (landing-contract column
  missing, key column entirely empty), or the threshold copy of a row rule (`mostly` =
  1 - block_share) on a batch of at least `block_min_rows` rows; on a smaller batch the
  threshold copy is not counted (a few bad rows of a tiny file are not systemic) and its
  warning copy reports them;
- a failing **warning** expectation is reported only (staging quarantines the rows, or they
  are flagged for review); it is left out when its error copy already reports the same rule.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

import duckdb

from expectations.build_suites import SUITES_DIR
from expectations.results import (
    BLOCK_MIN_ROWS,
    BLOCK_SHARE,
    ERROR,
    MAX_EXAMPLES,
    WARNING,
    BatchResult,
    Failure,
    block_message,
    example,
    row_message,
)
from expectations.sql_engine import POSITION, Outcome, base_column, columns_of, evaluate_suite, quote
from expectations.sql_engine import literal as _literal

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BLOCK_MIN_ROWS", "BLOCK_SHARE", "BatchResult", "Failure", "load_suite", "suite_tables", "validate_batch",
    "validate_landed",
]


@cache
def load_suite(table: str) -> dict[str, Any]:
    """The suite of `table` as stored (plain JSON; no GX needed to read it)."""
    path = SUITES_DIR / f"{table}.json"
    if not path.exists():
        raise KeyError(f"no expectation suite for table {table!r} ({path})")
    return json.loads(path.read_text(encoding="utf-8"))


def suite_tables() -> list[str]:
    """Every table with a suite."""
    return sorted(p.stem for p in SUITES_DIR.glob("*.json"))


def suite_expectations(table: str, block_share: float = BLOCK_SHARE) -> list[dict[str, Any]]:
    """The suite's expectations with the threshold copies' `mostly` set to 1 - block_share."""
    expectations = []
    for exp in load_suite(table)["expectations"]:
        exp = json.loads(json.dumps(exp))  # a copy: the cached JSON stays as stored
        if exp["meta"]["kind"] == "threshold":
            exp["kwargs"]["mostly"] = round(1 - block_share, 6)
        expectations.append(exp)
    return expectations


def _value(ex: dict[str, Any], kwargs: dict[str, Any], column: str) -> str | None:
    """The landed text behind a failing row: one column, a pair, or a compound key."""
    if "column_list" in kwargs:
        cols = [c for c in kwargs["column_list"] if c != "_source_file"]
    elif "column_A" in kwargs:
        cols = [base_column(kwargs["column_A"]), base_column(kwargs["column_B"])]
    else:
        return None if ex.get(column) is None else str(ex.get(column))
    return ", ".join(f"{c}='{'' if ex.get(c) is None else ex.get(c)}'" for c in cols)


def _interpret(
    table: str,
    outcomes: Sequence[Outcome],
    present: set[str],
    rows: int,
    place: str,
    block_share: float,
    block_min_rows: int,
) -> list[Failure]:
    """The engine's outcomes as failures: one line each, warnings already reported by their
    error copy left out, threshold copies not counted on a batch too small to be systemic."""
    stored = load_suite(table)
    missing = {c for c in stored["meta"]["columns"] if c not in present}
    order = {(e["meta"]["rule"], e["meta"]["severity"]): n for n, e in enumerate(stored["expectations"])}
    found: list[tuple[int, Failure]] = []
    for item in outcomes:
        if item.success:
            continue
        exp = item.expectation
        meta, kwargs, kind_of = exp["meta"], exp["kwargs"], exp["type"]
        kind, column = meta["kind"], meta["column"]
        if kind != "structural" and any(base_column(c) in missing for c in columns_of(kwargs)):
            continue  # the missing column is the error; rules on it cannot run
        rank = order[(meta["rule"], meta["severity"])]
        if item.error:
            found.append((rank, Failure(table, meta["rule"], kind_of, column, ERROR, rows, None, [],
                                        f"{table}: rule {meta['rule']} could not be evaluated ({item.error})")))
            continue
        count, checked = item.unexpected_count, item.checked
        if kind == "threshold" and checked < block_min_rows:
            continue  # too few rows to call it systemic: the warning copy reports them
        examples = [
            example(ex["_source_file"], ex["_row_number"], _value(ex, kwargs, column))
            for ex in item.examples[:MAX_EXAMPLES]
        ]
        compound = "column_list" in kwargs or "column_A" in kwargs
        if kind == "structural":
            observed = "missing" if kind_of == "expect_column_to_exist" else f"empty in all {rows} rows"
            message = f"{place}: column {column} is {observed}; expected {meta['expected']}"
            count = count or rows
        elif kind == "threshold":
            message = block_message(table, column, meta["expected"], count, checked, block_share, examples, compound)
        else:
            message = row_message(table, column, meta["expected"], count, examples, compound)
        percent = 100.0 * count / checked if checked else None
        found.append((rank, Failure(table, meta["rule"], kind_of, column, meta["severity"], count, percent,
                                    examples, message)))
    blocked_rules = {f.rule for _n, f in found if f.severity == ERROR}
    failures: list[Failure] = []
    seen: set[tuple[str, str]] = set()
    for _n, f in sorted(found, key=lambda p: p[0]):
        if (f.severity == WARNING and f.rule in blocked_rules) or (f.rule, f.message) in seen:
            continue
        seen.add((f.rule, f.message))
        failures.append(f)
    return failures


def _validate(
    con: duckdb.DuckDBPyConnection, table: str, batch: str, order_by: str, *,
    as_of: date, block_share: float, block_min_rows: int,
) -> tuple[list[Failure], int]:
    """Failures of `table`'s suite on the relation `batch` (in `order_by` order), and its row count."""
    present = {d[0] for d in con.execute(f"select * from {batch} limit 0").description}
    rows, files = con.execute(f"select count(*), count(distinct _source_file) from {batch}").fetchone()
    if rows == 0:
        return [], 0
    if files == 1:
        place = con.execute(f"select any_value(_source_file) from {batch}").fetchone()[0]
    else:
        place = f"{table} ({files} files)"
    outcomes = evaluate_suite(con, batch, present, suite_expectations(table, block_share), as_of=as_of,
                              order_by=order_by)
    return _interpret(table, outcomes, present, rows, str(place), block_share, block_min_rows), rows


def _result(table: str, failures: list[Failure], rows: int, started: float) -> BatchResult:
    errors = [f for f in failures if f.severity == ERROR]
    warnings = [f for f in failures if f.severity == WARNING]
    return BatchResult(table, not errors, rows, errors, warnings, time.perf_counter() - started)


def validate_landed(
    con: duckdb.DuckDBPyConnection,
    table: str,
    files: Sequence[str],
    *,
    as_of: date,
    block_share: float = BLOCK_SHARE,
    block_min_rows: int = BLOCK_MIN_ROWS,
) -> BatchResult:
    """Validate the rows of `files` in `raw.<table>` (what this run landed), inside DuckDB."""
    started = time.perf_counter()
    if not files:
        return _result(table, [], 0, started)
    view = f"_gate_{table}"
    # A temporary view: the landed rows are scanned where they are, never copied.
    names = ", ".join(_literal(f) for f in files)
    con.execute(
        f"create or replace temp view {view} as select * exclude (_loaded_at)"
        f" from raw.{quote(table)} where _source_file in ({names})"
    )
    try:
        failures, rows = _validate(con, table, view, "_source_file, _row_number", as_of=as_of, block_share=block_share,
                                   block_min_rows=block_min_rows)
    finally:
        con.execute(f"drop view if exists {view}")
    return _result(table, failures, rows, started)


def validate_batch(
    table: str,
    df: pd.DataFrame,
    *,
    as_of: date,
    context_tables: dict[str, pd.DataFrame] | None = None,
    block_share: float = BLOCK_SHARE,
    block_min_rows: int = BLOCK_MIN_ROWS,
) -> BatchResult:
    """Validate the rows of a data frame (all text, optionally with _source_file/_row_number) as
    if they had been landed for `table`.

    `as_of` is the date T that past-event dates may not exceed. With `context_tables` (current
    raw rows of other tables, by name) the cross-table rules of cross_checks.py run too.
    """
    started = time.perf_counter()
    if df.empty:
        return BatchResult(table, True, 0, [], [], time.perf_counter() - started)
    frame = df.reset_index(drop=True).copy()
    if "_source_file" not in frame.columns:
        frame["_source_file"] = "batch"
    if "_row_number" not in frame.columns:
        frame["_row_number"] = range(1, len(frame) + 1)
    texts = [c for c in frame.columns if c not in ("_source_file", "_row_number")]
    for col in texts:
        frame[col] = frame[col].map(lambda v: None if v is None or v != v else str(v)).astype(object)
    frame[POSITION] = range(len(frame))
    con = duckdb.connect()
    try:
        con.register("_frame", frame)
        casts = ", ".join(f"cast({quote(c)} as varchar) as {quote(c)}" for c in texts)
        con.execute(
            f"create temp table _batch as select {casts}, cast(_source_file as varchar) as _source_file,"
            f" cast(_row_number as bigint) as _row_number, {POSITION} from _frame"
        )
        failures, rows = _validate(con, table, "_batch", POSITION, as_of=as_of, block_share=block_share,
                                   block_min_rows=block_min_rows)
    finally:
        con.close()
    if context_tables is not None:
        from expectations.cross_checks import cross_check

        failures += cross_check(
            table, df, context_tables, block_share=block_share, block_min_rows=block_min_rows
        )
    return _result(table, failures, rows, started)
