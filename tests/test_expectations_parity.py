"""The gate's SQL engine and Great Expectations agree on every expectation of every suite.

The landing gate evaluates the stored suites inside DuckDB (expectations/sql_engine.py); the
suites themselves are Great Expectations suites. Here GX 1.x itself (ephemeral context, pandas
datasource) validates the same batch, and for every expectation both must give the same
success, the same number of unexpected rows and the same first failing rows. Each batch is
the clean row of its table followed by rows where one column at a time takes one of a list of
awkward values (empty, blank, padded, impossible date, future date, negative, too many
decimals, unknown code, a repeated key, ...), so every rule of every suite is hit.
"""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Any

import duckdb
import pandas as pd
import pytest

from expectations.build_suites import DATE_VIEW, NUMBER_VIEW, VIEW_FORMATS
from expectations.runner import load_suite, suite_expectations, suite_tables
from expectations.sql_engine import POSITION, base_column, columns_of, evaluate_suite, quote
from ingest.contract import TABLES_BY_NAME
from tests.test_expectations import CLEAN, frame

T = date(2026, 10, 15)
AWKWARD = [
    None, " ", "", "  2026-10-01 ", "2026-02-30", "2026-10-16", "1999-12-31", "2099-12-31", "2100-01-01",
    "-5", "-0.01", "0", "0.00", "12.345", "1e3", "abc", "CDN", "cad", "15", "0.5", "2026-09-15",
    "2026-10-15T02:00:00Z", "x|y", "SEARCH", "google_ads", "adjustment", "1.5",
    # amounts as spreadsheets write them (SPEC 6): accepted, and forms that stay refused
    "28,298.00", "$12,096.00", "CA$ 5.00", "(100.00)", "144.", "1.234,56", "$$5", "12 USD", "1,2345.00",
]


def awkward_batch(table: str) -> pd.DataFrame:
    """The clean row, then one row per (column, awkward value), then the clean row again (a
    repeated natural key in the same file), all in one file."""
    rows: list[dict[str, Any]] = [{}]
    for column in TABLES_BY_NAME[table].columns:
        rows += [{column: value} for value in AWKWARD]
    rows.append({})
    return frame(table, *rows)


def gx_outcomes(table: str, batch: pd.DataFrame) -> list[tuple[bool, int, list[int]]]:
    """(success, unexpected count, first failing positions) per expectation, from GX itself."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    prepared = batch.reset_index(drop=True).copy()
    for col in sorted({c for e in load_suite(table)["expectations"] for c in columns_of(e["kwargs"])}):
        base = base_column(col)
        if col == base:
            continue
        text = prepared[base].astype("string").str.strip()
        ok = text.str.fullmatch(VIEW_FORMATS[col[len(base):]]).fillna(False).astype(bool)
        if col.endswith(DATE_VIEW):
            parsed = pd.to_datetime(text.where(ok), format="%Y-%m-%d", errors="coerce")
            prepared[col] = parsed.dt.date.astype(object).where(parsed.notna(), None)
        else:
            assert col.endswith(NUMBER_VIEW)
            # a number as spreadsheets write it (SPEC 6): minus for "-" or "(", then digits and dot
            negative = text.str.startswith("(") | text.str.contains("-", regex=False)
            digits = text.str.replace(r"[^0-9.]", "", regex=True).str.replace(r"\.$", "", regex=True)
            value = digits.where(~negative.fillna(False).astype(bool), "-" + digits)
            prepared[col] = pd.to_numeric(value.where(ok), errors="coerce").astype(float)
    expectations = suite_expectations(table)
    suite = context.suites.add(gx.ExpectationSuite(name=f"parity_{table}", expectations=json.loads(
        json.dumps(expectations))))
    asset = context.data_sources.add_pandas("parity").add_dataframe_asset(table)
    run = context.validation_definitions.add(gx.ValidationDefinition(
        name=f"parity_{table}", data=asset.add_batch_definition_whole_dataframe("all"), suite=suite,
    )).run(
        batch_parameters={"dataframe": prepared},
        expectation_parameters={"as_of": T.isoformat()},
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20},
    )
    def key(kind: str, meta: dict[str, Any]) -> tuple[str, str, str]:
        return kind, meta["rule"], meta["severity"]

    by_rule = {key(r.expectation_config.type, r.expectation_config.meta): r for r in run.results}
    assert len(by_rule) == len(expectations)
    out = []
    for exp in expectations:
        item = by_rule[key(exp["type"], exp["meta"])]
        info = item.result or {}
        positions = [i for i in info.get("partial_unexpected_index_list") or [] if isinstance(i, int)]
        out.append((bool(item.success), int(info.get("unexpected_count") or 0), positions[:20]))
    return out


def sql_outcomes(table: str, batch: pd.DataFrame) -> list[tuple[bool, int, list[int]]]:
    prepared = batch.reset_index(drop=True).copy()
    prepared[POSITION] = range(len(prepared))
    texts = [c for c in prepared.columns if c not in ("_source_file", "_row_number", POSITION)]
    con = duckdb.connect()
    con.register("_frame", prepared)
    casts = ", ".join(f"cast({quote(c)} as varchar) as {quote(c)}" for c in texts)
    con.execute(f"create table b as select {casts}, _source_file, _row_number, {POSITION} from _frame")
    results = evaluate_suite(con, "b", set(prepared.columns), suite_expectations(table), as_of=T)
    position = dict(zip(prepared["_row_number"], range(len(prepared)), strict=True))
    out = []
    for r in results:
        count = r.unexpected_count
        if r.expectation["type"] == "expect_column_proportion_of_non_null_values_to_be_between":
            count = 0  # GX reports an observed share, not unexpected rows
        out.append((r.success, count, [position[e["_row_number"]] for e in r.examples]))
    return out


@pytest.mark.parametrize("table", suite_tables())
def test_sql_engine_and_great_expectations_agree(table: str) -> None:
    batch = awkward_batch(table)
    assert len(batch) > 20 * len(TABLES_BY_NAME[table].columns)  # threshold copies are in play
    expectations = suite_expectations(table)
    gx_found, sql_found = gx_outcomes(table, batch), sql_outcomes(table, batch)
    failing = 0
    for exp, want, got in zip(expectations, gx_found, sql_found, strict=True):
        assert got == want, f"{table} {exp['type']} {exp['meta']['rule']} ({exp['meta']['severity']})"
        failing += not want[0]
    assert failing > 0  # the batch does hit the rules
    assert CLEAN[table]  # and starts from the table's clean row
