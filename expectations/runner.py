"""Run a table's suite (expectations/suites/<table>.json) on the rows one run landed.

Great Expectations 1.x runs with an ephemeral context and the pandas datasource (its SQL
datasource over DuckDB fails every expectation here), one dataframe asset per table, and a
ValidationDefinition per suite; all of it is built once per process, on first use, because
importing GX takes seconds and must not slow the CLI or the Dagster code location at start-up.

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
import os
import threading
import time
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from expectations.build_suites import DATE_VIEW, NUMBER_VIEW, SUITES_DIR, VIEW_FORMATS
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

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BLOCK_MIN_ROWS", "BLOCK_SHARE", "BatchResult", "Failure", "load_suite", "suite_tables", "validate_batch"]

_VIEWS = (DATE_VIEW, NUMBER_VIEW)


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


def _base(column: str) -> str:
    """The landed column behind a typed view (`start_date__date` -> `start_date`)."""
    for view in _VIEWS:
        if column.endswith(view):
            return column[: -len(view)]
    return column


def _columns_of(kwargs: dict[str, Any]) -> list[str]:
    cols = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return cols + list(kwargs.get("column_list", []))


# -- GX state, one per process -----------------------------------------------------------------
class _Gx:
    """The ephemeral context and one ValidationDefinition per (table, block share)."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.datasource = self.context.data_sources.add_pandas("revwh_landed")
        self.batches: dict[str, Any] = {}
        self.validations: dict[tuple[str, float], Any] = {}

    def validation(self, table: str, block_share: float) -> Any:
        key = (table, round(block_share, 6))
        if key not in self.validations:
            stored = load_suite(table)
            expectations = []
            for exp in stored["expectations"]:
                exp = json.loads(json.dumps(exp))  # a copy: the cached JSON stays as stored
                if exp["meta"]["kind"] == "threshold":
                    exp["kwargs"]["mostly"] = round(1 - block_share, 6)
                expectations.append(exp)
            name = stored["name"] if key[1] == BLOCK_SHARE else f"{stored['name']}@{key[1]}"
            suite = self.context.suites.add(
                self.gx.ExpectationSuite(
                    name=name, expectations=expectations, meta=stored["meta"], notes=stored.get("notes")
                )
            )
            if table not in self.batches:
                asset = self.datasource.add_dataframe_asset(f"raw_{table}")
                self.batches[table] = asset.add_batch_definition_whole_dataframe("landed_rows")
            self.validations[key] = self.context.validation_definitions.add(
                self.gx.ValidationDefinition(name=name, data=self.batches[table], suite=suite)
            )
        return self.validations[key]


_STATE: _Gx | None = None
# GX's context is not documented as thread-safe: one validation at a time per process (Dagster's
# in-process executor runs one step at a time anyway).
_LOCK = threading.RLock()


def _gx() -> _Gx:
    global _STATE
    if _STATE is None:
        _STATE = _Gx()
    return _STATE


# -- preparing the batch -----------------------------------------------------------------------
def _prepare(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """The batch as GX sees it: text columns as landed, file and row of each row, typed views."""
    import pandas as pd

    frame = df.reset_index(drop=True).copy()
    if "_source_file" not in frame.columns:
        frame["_source_file"] = "batch"
    if "_row_number" not in frame.columns:
        frame["_row_number"] = range(1, len(frame) + 1)
    for col in load_suite(table)["meta"]["columns"]:
        if col in frame.columns and frame[col].dtype != object:
            frame[col] = frame[col].map(lambda v: None if pd.isna(v) else str(v)).astype(object)
    for col in _views_needed(table):
        base = _base(col)
        if base not in frame.columns:
            continue  # reported by the column's presence rule
        text = frame[base].astype("string").str.strip()
        ok = text.str.fullmatch(VIEW_FORMATS[col[len(base):]]).fillna(False).astype(bool)
        if col.endswith(DATE_VIEW):
            parsed = pd.to_datetime(text.where(ok), format="%Y-%m-%d", errors="coerce")
            frame[col] = parsed.dt.date.astype(object).where(parsed.notna(), None)
        else:
            frame[col] = pd.to_numeric(text.where(ok), errors="coerce").astype(float)
    return frame


@cache
def _views_needed(table: str) -> tuple[str, ...]:
    needed = {c for e in load_suite(table)["expectations"] for c in _columns_of(e["kwargs"]) if c != _base(c)}
    return tuple(sorted(needed))


# -- reading GX results ------------------------------------------------------------------------
def _exception(info: Any) -> str | None:
    """The first exception message in a result's exception_info (flat or keyed by metric)."""
    if not isinstance(info, dict):
        return None
    if "raised_exception" in info:
        return (info.get("exception_message") or "exception") if info.get("raised_exception") else None
    for value in info.values():
        message = _exception(value)
        if message:
            return message
    return None


def _value(frame: pd.DataFrame, i: int, kwargs: dict[str, Any], column: str) -> str | None:
    """The landed text behind a failing row: one column, a pair, or a compound key."""
    row = frame.iloc[i]
    if "column_list" in kwargs:
        cols = [c for c in kwargs["column_list"] if c != "_source_file"]
    elif "column_A" in kwargs:
        cols = [_base(kwargs["column_A"]), _base(kwargs["column_B"])]
    else:
        return None if row.get(column) is None else str(row.get(column))
    return ", ".join(f"{c}='{'' if row.get(c) is None else row.get(c)}'" for c in cols)


def validate_batch(
    table: str,
    df: pd.DataFrame,
    *,
    as_of: date,
    context_tables: dict[str, pd.DataFrame] | None = None,
    block_share: float = BLOCK_SHARE,
    block_min_rows: int = BLOCK_MIN_ROWS,
) -> BatchResult:
    """Validate the rows one run landed for `table` (all text, with _source_file/_row_number).

    `as_of` is the date T that past-event dates may not exceed. With `context_tables` (current
    raw rows of other tables, by name) the cross-table rules of cross_checks.py run too.
    """
    started = time.perf_counter()
    if df.empty:
        return BatchResult(table, True, 0, [], [], time.perf_counter() - started)
    stored = load_suite(table)
    frame = _prepare(table, df)
    with _LOCK:
        run = _gx().validation(table, block_share).run(
            batch_parameters={"dataframe": frame},
            expectation_parameters={"as_of": as_of.isoformat()},
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20},
        )
    missing = {c for c in stored["meta"]["columns"] if c not in frame.columns}
    files = frame["_source_file"].dropna().unique()
    place = str(files[0]) if len(files) == 1 else f"{table} ({len(files)} files)"
    order = {(e["meta"]["rule"], e["meta"]["severity"]): n for n, e in enumerate(stored["expectations"])}
    found: list[tuple[int, Failure]] = []
    for item in run.results:
        if item.success:
            continue
        config = item.expectation_config
        meta, kwargs = dict(config.meta or {}), dict(config.kwargs)
        kind, column = meta["kind"], meta["column"]
        if kind != "structural" and any(_base(c) in missing for c in _columns_of(kwargs)):
            continue  # the missing column is the error; rules on it cannot run
        info = item.result or {}
        error_text = _exception(item.exception_info)
        if error_text:
            failure = Failure(table, meta["rule"], config.type, column, ERROR, len(frame), None, [],
                              f"{table}: rule {meta['rule']} could not be evaluated ({error_text.splitlines()[0]})")
            found.append((order[(meta["rule"], meta["severity"])], failure))
            continue
        count = int(info.get("unexpected_count") or 0)
        checked = int(info.get("element_count") or len(frame)) - int(info.get("missing_count") or 0)
        if kind == "threshold" and checked < block_min_rows:
            continue  # too few rows to call it systemic: the warning copy reports them
        indexes = [i for i in info.get("partial_unexpected_index_list") or [] if isinstance(i, int)]
        examples = [
            example(frame.at[i, "_source_file"], frame.at[i, "_row_number"], _value(frame, i, kwargs, column))
            for i in indexes[:MAX_EXAMPLES]
        ]
        compound = "column_list" in kwargs or "column_A" in kwargs
        if kind == "structural":
            observed = "missing" if config.type == "expect_column_to_exist" else f"empty in all {len(frame)} rows"
            message = f"{place}: column {column} is {observed}; expected {meta['expected']}"
            count = count or len(frame)
        elif kind == "threshold":
            message = block_message(table, column, meta["expected"], count, checked, block_share, examples, compound)
        else:
            message = row_message(table, column, meta["expected"], count, examples, compound)
        percent = info.get("unexpected_percent")
        failure = Failure(
            table, meta["rule"], config.type, column, meta["severity"], count,
            None if percent is None else float(percent), examples, message,
        )
        found.append((order[(meta["rule"], meta["severity"])], failure))
    blocked_rules = {f.rule for _n, f in found if f.severity == ERROR}
    failures: list[Failure] = []
    seen: set[tuple[str, str]] = set()
    for _n, f in sorted(found, key=lambda p: p[0]):
        if (f.severity == WARNING and f.rule in blocked_rules) or (f.rule, f.message) in seen:
            continue
        seen.add((f.rule, f.message))
        failures.append(f)
    if context_tables is not None:
        from expectations.cross_checks import cross_check

        failures += cross_check(
            table, df, context_tables, block_share=block_share, block_min_rows=block_min_rows
        )
    errors = [f for f in failures if f.severity == ERROR]
    warnings = [f for f in failures if f.severity == WARNING]
    return BatchResult(table, not errors, len(frame), errors, warnings, time.perf_counter() - started)
