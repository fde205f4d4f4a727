"""CSV cells that would start a formula, and chart text with `$` in it: fast unit tests, no pipeline.

Every CSV revwh writes for people prefixes a cell starting with = + - @ tab or CR with `'`
(orchestration/reports/csv_safe.py), numbers unchanged; the flash charts draw `$` in a client
name as text, not mathtext.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.commands.analyst import _run_query
from orchestration.reports import credit_coop, flash
from orchestration.reports.csv_safe import safe_cell


@pytest.mark.parametrize("text", [
    '=HYPERLINK("http://x","y")',
    "+cmd|'/c calc'!A1",
    "@SUM(1+1)",
    "-2+3",  # starts with '-' but is not a plain number
    "\tfoo",
    "\rfoo",
])
def test_formula_cells_get_a_leading_apostrophe(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value, expected", [
    ("-12.50", "-12.50"),
    ("0.00", "0.00"),
    ("1234.56", "1234.56"),
    (Decimal("-5.00"), "-5.00"),
    (-3, "-3"),
    (-7.25, "-7.25"),
    ("Smith Motors", "Smith Motors"),
    (None, ""),
])
def test_numbers_and_ordinary_text_are_unchanged(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


def test_a_number_followed_by_a_newline_is_not_a_number() -> None:
    # fullmatch, not `$`: "-5\n" would pass `^-?\d+$` (re's `$` matches before a final newline)
    assert safe_cell("-5\n") == "'-5\n"


def test_credit_run_csv_quotes_a_formula_name_and_keeps_a_negative_amount(tmp_path: Path) -> None:
    row = {"client_name": '=HYPERLINK("http://evil","x")', "client_id": "F1", "contract_id": "B1",
           "product_code": "SEARCH", "product_name": "Search", "month": date(2026, 8, 1),
           "outstanding_liability": Decimal("-30"), "currency": "USD"}
    path = credit_coop._write_csv(tmp_path / "credit.csv", credit_coop.CREDIT_RUN_COLUMNS, [row],
                                  credit_coop._credit_cells(date(2026, 10, 15)))
    with path.open(newline="", encoding="utf-8") as fh:
        header, line = list(csv.reader(fh))
    cell = dict(zip(header, line, strict=True))
    assert cell["Customer"] == '\'=HYPERLINK("http://evil","x")'
    assert cell["ItemAmount"] == "-30.00"  # money_text(-30) with two places, no apostrophe
    assert cell["CreditMemoNo"] == "UC-B1-2026-08"


def test_revwh_sql_csv_quotes_a_formula_and_keeps_a_negative_number(capsys: pytest.CaptureFixture[str]) -> None:
    con = duckdb.connect(":memory:")
    try:
        _run_query(con, "select '@SUM(1+1)' as name, -7.25::decimal(10, 2) as amount, -3 as n, "
                        "'-7.25' as amount_text", "csv")
    finally:
        con.close()
    header, line = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert header == ["name", "amount", "n", "amount_text"]
    assert line == ["'@SUM(1+1)", "-7.25", "-3", "-7.25"]


def test_pacing_chart_draws_dollar_signs_in_client_names_as_text(tmp_path: Path) -> None:
    import matplotlib

    pacing = [
        {"contract_id": "C1", "client_name": "Dealer $x$ Motors", "pacing_ratio": Decimal("0.50"),
         "pacing_status": "under"},
        # `$$` is an empty math expression: with mathtext on, drawing it raises a ParseException
        {"contract_id": "C2", "client_name": "A $$ B", "pacing_ratio": Decimal("1.00"),
         "pacing_status": "on_track"},
    ]
    data = flash.FlashData(as_of=date(2026, 10, 15), weeks=[], pacing=pacing, under=Decimal("0.80"),
                           over=Decimal("1.20"))
    before = matplotlib.rcParams["text.parse_math"]
    png = flash._pacing_png(data)
    out = tmp_path / "pacing.png"
    out.write_bytes(png)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert matplotlib.rcParams["text.parse_math"] == before  # the setting did not leak


def test_flash_page_charts_draw_with_dollar_signs(tmp_path: Path) -> None:
    week = {key: Decimal("100.00") if money else 1 for key, _label, money in flash.METRICS}
    weeks = [{**week, "iso_week": "2026-W4$"}, {**week, "iso_week": "2026-W$$"}]
    pacing = [{"contract_id": "C1", "client_name": "A $$ B", "pacing_ratio": Decimal("0.50"),
               "pacing_status": "under"}]
    data = flash.FlashData(as_of=date(2026, 10, 15), weeks=weeks, pacing=pacing, under=Decimal("0.80"),
                           over=Decimal("1.20"))
    page = flash._html(data, flash._pacing_png(data))
    # four charts embedded: money, pacing counts, risk, and the pacing chart
    assert page.count("data:image/png;base64,") == 4
