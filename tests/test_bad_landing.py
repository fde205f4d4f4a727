"""Bad landing files (tests/bad_landing/CASES.md): each outcome asserted exactly.

Row-level problems quarantine the row and the run publishes; file-level problems reject the
file, block the run with a one-line reason, and leave the published warehouse byte for byte.
"""

from __future__ import annotations

import hashlib
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from orchestration.run.runner import run_pipeline
from tests.landing_builder import query, query_dicts, run_pipeline_ok
from tests.test_spine_rules import AS_OF

CORPUS = Path(__file__).parent / "bad_landing"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def good(spine_cli_run: tuple) -> tuple[Path, Path]:
    """The spine landing and its published warehouse (the session's shared run, tests/conftest.py);
    each case works on copies."""
    landing, wh, proc = spine_cli_run
    assert proc.returncode == 0, proc.stderr
    return landing, wh


def _with_case(good: tuple[Path, Path], tmp: Path, case: str) -> tuple[Path, Path]:
    landing, wh = good
    shutil.copytree(landing, tmp / "landing")
    if case:
        shutil.copytree(CORPUS / case, tmp / "landing", dirs_exist_ok=True)
    shutil.copy2(wh, tmp / "revwh.duckdb")
    return tmp / "landing", tmp / "revwh.duckdb"


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        (
            "missing_column",
            "check raw/contracts landing_gate failed: contracting/contracts_2026-11.csv: missing column(s) end_date",
        ),
        (
            "renamed_column",
            "check raw/budget_schedule landing_gate failed: contracting/budget_schedule_2026-11.csv:"
            " missing column(s) monthly_amount; found unexpected column(s) amount",
        ),
        (
            "latin1",
            "check raw/clients landing_gate failed: contracting/clients_2026-11.csv: not UTF-8 text (byte 0xe9 on"
            " line 2)",
        ),
        ("empty_file", "check raw/payments landing_gate failed: accounting/payments_2026-11.csv: empty file"),
        (
            "truncated_parquet",
            "check raw/google_ads landing_gate failed: ads/google_ads/history.parquet: not a valid"
            " Parquet file (truncated or damaged)",
        ),
    ],
)
def test_file_level_problem_blocks_and_keeps_last_good_warehouse(good, tmp_path: Path, case: str, reason: str) -> None:
    landing, wh = _with_case(good, tmp_path, "" if case == "truncated_parquet" else case)
    if case == "truncated_parquet":
        full = tmp_path / "full.parquet"
        pl.DataFrame({"segments_date": ["2026-10-01"] * 50}).write_parquet(full)
        data = full.read_bytes()
        (landing / "ads" / "google_ads" / "history.parquet").write_bytes(data[: len(data) // 2])
    before = digest(wh)
    outcome = run_pipeline(landing, wh, AS_OF)
    assert not outcome.success
    assert any(line.startswith(reason) for line in outcome.failures), outcome.failures
    assert all("\n" not in line for line in outcome.failures)
    assert digest(wh) == before  # every mart unchanged
    assert not wh.with_name(wh.name + ".building").exists()


def test_row_level_problems_are_quarantined_and_the_run_publishes(good, tmp_path: Path) -> None:
    landing, wh = _with_case(good, tmp_path, "row_level")
    run_pipeline_ok(landing, wh, AS_OF)
    ex = {
        (r["source_file"], r["line_number"]): r
        for r in query_dicts(wh, "select * from marts.data_exceptions where source_file like '%2026-11%'")
    }

    def check(file: str, line: int, column: str, text: str) -> None:
        r = ex[(file, line)]
        assert r["column_name"] == column and text in r["reason"], r

    # lines as a spreadsheet shows them: the header is line 1
    check("contracting/budget_schedule_2026-11.csv", 2, "monthly_amount",
          "letters in an amount; export the number alone, got 'abc'")
    check(
        "contracting/budget_schedule_2026-11.csv", 3, "monthly_amount", "expected a non-negative amount, got '-500.00'"
    )
    check("contracting/contracts_2026-11.csv", 2, "start_date", "expected a date YYYY-MM-DD, got '2026-02-30'")
    check("contracting/clients_2026-11.csv", 2, "currency", "expected an ISO 4217 currency code, got 'CDN'")
    check("accounting/invoices_2026-11.csv", 2, "invoice_id", "duplicate key in one file")
    check("accounting/invoices_2026-11.csv", 3, "invoice_id", "duplicate key in one file")
    check("accounting/payment_applications_2026-11.csv", 2, "invoice_id", "invoice_id INV-404 is not in invoices.csv")
    # PX's 10.00 went to an invoice that does not exist: it settled nothing, so it is unapplied cash
    check("accounting/payments_2026-11.csv", 2, "amount", "payment PX of 10.00: 10.00 not applied to any invoice")
    assert len(ex) == 8
    # The good rows of the same files are staged: K6's new budget row and INV-10
    assert query(
        wh,
        "select monthly_amount from staging.stg_contracting__budget_schedule where contract_id = 'K6'"
        " and effective_date = '2026-11-01'",
    ) == [(Decimal("3300.00"),)]
    assert query(wh, "select count(*) from staging.stg_accounting__invoices where invoice_id = 'INV-10'") == [(1,)]
    # Header-only file: accepted with 0 rows
    assert query(
        wh, "select status, row_count from raw._files where source_file = 'accounting/write_offs_2026-11.csv'"
    ) == [("loaded", 0)]
    # Conservation per file still holds
    assert query(
        wh,
        "select count(*) from marts.landing_audit"
        " where landed_rows <> staged_rows + quarantined_rows + superseded_rows",
    ) == [(0,)]
