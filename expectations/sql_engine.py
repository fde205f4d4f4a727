"""Evaluate a stored Great Expectations suite in SQL, inside DuckDB, where the landed rows are.

The suites (expectations/suites/*.json, written by build_suites.py) stay the reviewable source
of truth: the same JSON is loaded into GX by the tests, and tests/test_expectations.py checks
that GX and this engine find the same failing rows for every kind of expectation. The gate
itself does not run GX: GX's SQL datasource over DuckDB fails on the pinned versions (see
docs/DECISIONS.md, "Gates"), and its pandas datasource needs every landed row of a batch
copied into a data frame (12.5 GB at 5,000 dealers) plus seconds of importing GX on every run.
Here one aggregate query per table counts every column rule in a single scan, and only the
failing rules fetch their first examples; nothing leaves DuckDB but counts and a few rows.

The suites use seven expectation types; each is compiled to a predicate with the semantics of
GX's pandas implementation:

- a **map** rule (not null, in set, regex, between, pair A > B) counts, over the rows its
  `row_condition` selects, the rows where its column(s) are *missing* (null; never for
  not-null) and, among the others, the *unexpected* rows;
- `expect_compound_columns_to_be_unique` marks every row of a repeated combination
  (pandas `duplicated(keep=False)`), ignoring rows per `ignore_row_if`;
- `expect_column_to_exist` and the non-null proportion are answered from the column list and
  the counts.

A rule succeeds when nothing is unexpected or, with `mostly`, when
(checked - unexpected) / checked >= mostly; with nothing to check it succeeds (GX: vacuously).

Typed views (`<column>__date`, `<column>__number`) are the value as a date or a number when it
matches the view's format (build_suites.VIEW_FORMATS), else empty, exactly as the runner's
pandas preparation derived them: a malformed value is reported by its format rule only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from expectations.build_suites import DATE_VIEW, NUMBER_VIEW, VIEW_FORMATS

MAX_POSITIONS = 20  # GX's partial_unexpected_count in the runner's result format
POSITION = "_pos"  # 0-based position of a row in a data frame batch (its order)
_WHITESPACE = "' \t\n\r\f\v'"  # what Python's str.strip() (pandas) removes, as a SQL literal


@dataclass
class Outcome:
    """One expectation's result on one batch, in plain Python."""

    expectation: dict[str, Any]  # the stored expectation: type, kwargs, meta
    success: bool
    element_count: int  # rows the rule looked at (after its row_condition)
    checked: int  # of those, rows not missing: the base of `mostly` and of the block share
    unexpected_count: int
    examples: list[dict[str, Any]] = field(default_factory=list)  # first failing rows, batch order
    error: str | None = None


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def base_column(column: str) -> str:
    """The landed column behind a typed view (`start_date__date` -> `start_date`)."""
    for view in (DATE_VIEW, NUMBER_VIEW):
        if column.endswith(view):
            return column[: -len(view)]
    return column


def columns_of(kwargs: dict[str, Any]) -> list[str]:
    """Every column (or typed view) an expectation reads."""
    cols = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return cols + list(kwargs.get("column_list", []))


def column_sql(column: str) -> str:
    """A landed column, or the SQL of its typed view."""
    base = quote(base_column(column))
    for view, cast in ((DATE_VIEW, "date"), (NUMBER_VIEW, "double")):
        if column.endswith(view):
            pattern = literal(VIEW_FORMATS[view])
            text = f"trim({base}, {_WHITESPACE})"
            if view == NUMBER_VIEW:  # a number as spreadsheets write it: sign, then digits and dot
                sign = f"(case when {text} like '(%' or {text} like '%-%' then '-' else '' end)"
                text = f"({sign} || regexp_replace(regexp_replace({text}, '[^0-9.]', '', 'g'), '[.]$', ''))"
            return f"(case when regexp_matches({base}, {pattern}) then cast({text} as {cast}) end)"
    return base


def _bound(column: str, value: object, as_of: date) -> str:
    if isinstance(value, dict) and "$PARAMETER" in value:
        if value["$PARAMETER"] != "as_of":
            raise ValueError(f"unknown suite parameter {value['$PARAMETER']!r}")
        value = as_of.isoformat()
    return f"cast({literal(value)} as date)" if column.endswith(DATE_VIEW) else literal(value)


def _condition(kwargs: dict[str, Any]) -> str:
    """GX's row_condition (the suites use one comparison form), as a SQL filter."""
    cond = kwargs.get("row_condition")
    if not cond:
        return "true"
    if not (isinstance(cond, dict) and cond.get("type") == "comparison" and cond.get("operator") in ("!=", "==")):
        raise ValueError(f"unsupported row_condition {cond!r}")
    column, value = quote(cond["column"]["name"]), literal(cond["parameter"])
    # pandas: a missing value is != anything and == nothing
    return f"({column} is distinct from {value})" if cond["operator"] == "!=" else f"({column} = {value})"


def map_predicates(exp: dict[str, Any], as_of: date) -> tuple[str, str, str]:
    """(row filter, missing, unexpected) of a column-map expectation, as SQL."""
    kind, kw = exp["type"], exp["kwargs"]
    where = _condition(kw)
    if kind == "expect_column_values_to_not_be_null":
        return where, "false", f"{column_sql(kw['column'])} is null"
    if kind in ("expect_column_values_to_be_in_set", "expect_column_values_to_match_regex",
                "expect_column_values_to_be_between"):
        col = column_sql(kw["column"])
        missing = f"{col} is null"
        if kind == "expect_column_values_to_be_in_set":
            ok = f"{col} in ({', '.join(literal(v) for v in kw['value_set'])})"
        elif kind == "expect_column_values_to_match_regex":
            ok = f"regexp_matches({col}, {literal(kw['regex'])})"
        else:
            parts = []
            if kw.get("min_value") is not None:
                low = _bound(kw["column"], kw["min_value"], as_of)
                parts.append(f"{col} {'>' if kw.get('strict_min') else '>='} {low}")
            if kw.get("max_value") is not None:
                high = _bound(kw["column"], kw["max_value"], as_of)
                parts.append(f"{col} {'<' if kw.get('strict_max') else '<='} {high}")
            ok = " and ".join(parts) or "true"
        return where, missing, f"not ({ok})"
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = column_sql(kw["column_A"]), column_sql(kw["column_B"])
        ignore = kw.get("ignore_row_if", "both_values_are_missing")
        joiner = {"either_value_is_missing": " or ", "both_values_are_missing": " and "}.get(ignore)
        missing = f"({a} is null{joiner}{b} is null)" if joiner else "false"
        # GX compares what is left; a comparison with a missing value is not a success
        return where, missing, f"not coalesce({a} {'>=' if kw.get('or_equal') else '>'} {b}, false)"
    raise ValueError(f"expectation type {kind} is not a column-map rule")


def _compound_predicates(kw: dict[str, Any]) -> tuple[str, str]:
    """(missing, repeated-combination window) of expect_compound_columns_to_be_unique."""
    cols = [quote(c) for c in kw["column_list"]]
    ignore = kw.get("ignore_row_if", "all_values_are_missing")
    joiner = {"any_value_is_missing": " or ", "all_values_are_missing": " and "}.get(ignore)
    missing = "(" + joiner.join(f"{c} is null" for c in cols) + ")" if joiner else "false"
    return missing, f"count(*) over (partition by {', '.join(cols)})"


def _succeeds(checked: int, unexpected: int, mostly: float | None) -> bool:
    if unexpected == 0 or checked == 0:
        return True
    if mostly is None:
        return False
    return (float(checked) - float(unexpected)) / float(checked) >= mostly


def _examples(
    con: duckdb.DuckDBPyConnection, batch: str, where: str, bad: str, columns: Sequence[str], order_by: str
) -> list[dict[str, Any]]:
    """The first failing rows in batch order: file, row number and the landed text of `columns`."""
    wanted = ", ".join(dict.fromkeys(["_source_file", "_row_number", *columns]))
    sql = f"select {wanted} from {batch} where {where} and {bad} order by {order_by} limit {MAX_POSITIONS}"
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def evaluate_suite(
    con: duckdb.DuckDBPyConnection,
    batch: str,
    present: Collection[str],
    expectations: Sequence[dict[str, Any]],
    *,
    as_of: date,
    order_by: str = POSITION,
) -> list[Outcome]:
    """Evaluate `expectations` on the relation `batch` (landed text columns, `_source_file`,
    `_row_number`), whose columns are `present`; `order_by` is the batch's order (examples come
    first to last in it). The result is in the order of `expectations`."""
    total = con.execute(f"select count(*) from {batch}").fetchone()[0]
    outcomes: dict[int, Outcome] = {}
    aggregates: list[tuple[int, str, str, str]] = []
    for n, exp in enumerate(expectations):
        kind, kw = exp["type"], exp["kwargs"]
        absent = [c for c in columns_of(kw) if base_column(c) not in present]
        if kind == "expect_column_to_exist":
            outcomes[n] = Outcome(exp, kw["column"] in present, total, total, 0 if kw["column"] in present else total)
        elif absent:
            outcomes[n] = Outcome(exp, False, total, total, 0, error=f"column {absent[0]} is not in the batch")
        elif kind == "expect_compound_columns_to_be_unique":
            outcomes[n] = _compound(con, batch, exp, total, order_by)
        elif kind == "expect_column_proportion_of_non_null_values_to_be_between":
            aggregates.append((n, "true", "false", f"{quote(kw['column'])} is null"))
        else:
            try:
                aggregates.append((n, *map_predicates(exp, as_of)))
            except ValueError as exc:
                outcomes[n] = Outcome(exp, False, total, total, 0, error=str(exc))
    if aggregates:
        selects = []
        for n, where, missing, bad in aggregates:
            selects += [
                f"count(*) filter (where {where}) as e{n}",
                f"count(*) filter (where {where} and not ({missing})) as c{n}",
                f"count(*) filter (where {where} and not ({missing}) and ({bad})) as u{n}",
            ]
        cursor = con.execute(f"select {', '.join(selects)} from {batch}")
        row = dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))
        for n, where, missing, bad in aggregates:
            exp = expectations[n]
            kw = exp["kwargs"]
            elements, checked, unexpected = row[f"e{n}"], row[f"c{n}"], row[f"u{n}"]
            if exp["type"] == "expect_column_proportion_of_non_null_values_to_be_between":
                outcomes[n] = _proportion(exp, elements, unexpected)
                continue
            success = _succeeds(checked, unexpected, kw.get("mostly"))
            examples = [] if unexpected == 0 else _examples(
                con, batch, f"({where}) and not ({missing})", f"({bad})", [base_column(c) for c in columns_of(kw)],
                order_by,
            )
            outcomes[n] = Outcome(exp, success, elements, checked, unexpected, examples)
    return [outcomes[n] for n in range(len(expectations))]


def _proportion(exp: dict[str, Any], elements: int, nulls: int) -> Outcome:
    kw = exp["kwargs"]
    share = (elements - nulls) / elements if elements else None
    ok = share is not None
    if ok and kw.get("min_value") is not None:
        ok = share > kw["min_value"] if kw.get("strict_min") else share >= kw["min_value"]
    if ok and kw.get("max_value") is not None:
        ok = share < kw["max_value"] if kw.get("strict_max") else share <= kw["max_value"]
    return Outcome(exp, ok, elements, elements, 0 if ok else nulls)


def _compound(
    con: duckdb.DuckDBPyConnection, batch: str, exp: dict[str, Any], total: int, order_by: str
) -> Outcome:
    kw = exp["kwargs"]
    missing, window = _compound_predicates(kw)
    # counted by a hash aggregate over the combinations (a window over every row sorts the whole
    # batch: 10.8 M ad rows at 5,000 dealers); the window only finds the examples of a failure
    groups = ", ".join(quote(c) for c in kw["column_list"])
    checked, unexpected = con.execute(
        f"select coalesce(sum(_n), 0), coalesce(sum(_n) filter (where _n > 1), 0)"
        f" from (select count(*) as _n from {batch} where not {missing} group by {groups}) _g"
    ).fetchone()
    checked, unexpected = int(checked), int(unexpected)
    ranked = f"(select *, {window} as _repeats from {batch} where not {missing})"
    examples = [] if unexpected == 0 else _examples(
        con, ranked, "true", "_repeats > 1", [c for c in kw["column_list"] if c != "_source_file"], order_by
    )
    return Outcome(exp, _succeeds(checked, unexpected, kw.get("mostly")), total, checked, unexpected, examples)
