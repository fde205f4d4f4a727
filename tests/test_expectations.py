"""The Great Expectations suites: each kind of rule on a small batch, with the exact outcome."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pandas as pd

from expectations.cross_checks import cross_check
from expectations.runner import validate_batch

T = date(2026, 10, 15)


def _frame(rows: list[dict], file: str) -> pd.DataFrame:
    df = pd.DataFrame(rows, dtype="object")
    df["_source_file"] = file
    df["_row_number"] = range(1, len(df) + 1)
    return df


def _contracts(*rows: tuple) -> pd.DataFrame:
    cols = ["contract_id", "client_id", "product_code", "program_code", "start_date", "end_date"]
    return _frame([dict(zip(cols, r, strict=True)) for r in rows], "contracting/contracts.csv")


def test_clean_batch_passes() -> None:
    result = validate_batch(
        "contracts",
        _contracts(
            ("K1", "C1", "SEARCH", None, "2026-01-01", None), ("K2", "C1", "SEO", None, "2026-02-01", "2026-03-31")
        ),
        as_of=T,
    )
    assert result.success and result.errors == [] and result.warnings == [] and result.evaluated_rows == 2


def test_row_rules_are_warnings_naming_file_row_and_column() -> None:
    result = validate_batch(
        "contracts",
        _contracts(
            ("K1", "C1", "SEARCH", None, "2026-02-30", None),  # impossible date
            ("K2", "C1", "SEO", None, "2026-05-01", "2026-04-30"),  # ends before it starts
            ("K2", "C2", "SEO", None, "2026-05-01", None),  # duplicate id
        ),
        as_of=T,
    )
    assert result.success
    messages = sorted(w.message for w in result.warnings)
    assert (
        "contracting/contracts.csv row 2 column end_date: found '2026-04-30', expected end_date on or after"
        " start_date" in messages
    )
    assert any(
        m.startswith(
            "contracting/contracts.csv row 2 column contract_id: found 'K2', expected unique contract_id (+1 more rows)"
        )
        for m in messages
    )
    assert any("row 1 column start_date: found '2026-02-30'" in m for m in messages)


def test_systemic_failure_blocks() -> None:
    rows = [(f"K{i}", "C1", "SEARCH", None, "01/02/2026", None) for i in range(25)]  # wrong date format throughout
    result = validate_batch("contracts", _contracts(*rows), as_of=T)
    assert not result.success
    assert result.errors[0].columns == ("start_date",)
    assert result.errors[0].unexpected_count == 25
    assert "25 of 25 rows fail, the file looks wrong as a whole" in result.errors[0].message


def test_money_currency_and_dates_after_t() -> None:
    cols = ["invoice_id", "client_id", "invoice_date", "due_date", "currency", "total_amount"]
    df = _frame(
        [
            dict(zip(cols, r, strict=True))
            for r in [
                ("I1", "C1", "2026-10-01", "2026-10-31", "EUR", "10.00"),
                ("I2", "C1", "2026-10-20", "2026-11-19", "USD", "12.345"),
            ]
        ],
        "accounting/invoices.csv",
    )
    result = validate_batch("invoices", df, as_of=T)
    by_column = {w.columns[0]: w for w in result.warnings}
    assert by_column["currency"].examples == ["accounting/invoices.csv row 1 column currency: found 'EUR'"]
    assert by_column["total_amount"].examples == ["accounting/invoices.csv row 2 column total_amount: found '12.345'"]
    assert by_column["invoice_date"].unexpected_count == 1  # dated after T


def test_cross_table_rules() -> None:
    apps = _frame(
        [
            {"payment_id": "P1", "invoice_id": "I1", "amount_applied": "80.00"},
            {"payment_id": "P1", "invoice_id": "I9", "amount_applied": "30.00"},
        ],
        "accounting/payment_applications.csv",
    )
    ctx = {
        "payments": pd.DataFrame({"payment_id": ["P1"], "amount": ["100.00"]}),
        "invoices": pd.DataFrame({"invoice_id": ["I1"]}),
    }
    failures = {f.columns[0]: f for f in cross_check("payment_applications", apps, ctx)}
    assert failures["invoice_id"].examples == [
        "accounting/payment_applications.csv row 2 column invoice_id: found 'I9'"
    ]
    assert failures["amount_applied"].unexpected_count == 2  # 80 + 30 = 110 > 100


def test_importing_the_package_does_not_import_gx() -> None:
    code = "import expectations, expectations.suites, sys; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
