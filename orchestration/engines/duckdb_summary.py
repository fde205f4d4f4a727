"""The DuckDB engine's run summary: the marts are the warehouse file itself, so everything after
the landed-rows lines (missing FX rates, marts, exceptions and their money, the QuickBooks
tie-out, ignored columns and lines, where the file and the reports are) is read from that file.

Its own module so that engines/duckdb.py stays the engine's steps; the landed-rows lines, common
to every engine, come from orchestration/run/summary.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from orchestration.run.exception_money import exception_money_lines
from orchestration.run.marts_lines import as_of_warning, tieout_line


@dataclass(frozen=True)
class _Read:
    """What the summary reads from the warehouse file, in one read-only connection."""

    lag: str | None
    marts: list[tuple]
    missing_fx: list[tuple]
    exceptions: list[tuple]
    money: list[str]
    ignored: list[tuple]
    report_lines: list[tuple[str, int, str]]
    adjustments: list[tuple]
    tieout: str | None


def duckdb_summary(warehouse: Path, as_of: date | None, landed: list[str]) -> str:
    """The as-of warning, the landed rows, then the marts' lines and how to open the file."""
    read = _read(warehouse, as_of)
    lines = [read.lag] if read.lag else []
    lines += landed
    lines += _marts_lines(read)
    lines += _ignored_lines(read)
    lines += _where_lines(warehouse, as_of)
    return "\n".join(lines)


def _read(warehouse: Path, as_of: date | None) -> _Read:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        lag = as_of_warning(con, as_of) if as_of is not None else None
        marts = con.execute(
            "select table_name, estimated_size from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
        names = {m for m, _ in marts}
        missing_fx = con.execute(
            """select regexp_extract(reason, '^no (\w+) rate', 1) as currency,
                      min(regexp_extract(reason, 'on or before (\d{4}-\d{2}-\d{2})', 1)) as first_needed,
                      count(*) as amounts
               from marts.data_exceptions where exception_type = 'missing_fx_rate'
               group by 1 order by 1"""
        ).fetchall()
        exceptions = con.execute(
            "select exception_type, count(*) from marts.data_exceptions group by 1 order by 1"
        ).fetchall()
        money = exception_money_lines(con)
        ignored = con.execute(
            "select source_file, extra_columns, coalesce(blank_rows, 0) from raw._files"
            " where extra_columns is not null or coalesce(blank_rows, 0) > 0 order by source_file"
        ).fetchall()
        report_lines = _report_lines(con)
        adjustments = con.execute(
            "select month, count(*) from marts.post_close_adjustments group by 1 order by 1"
        ).fetchall() if "post_close_adjustments" in names else []
        tieout = tieout_line(con, names)
    finally:
        con.close()
    return _Read(lag, marts, missing_fx, exceptions, money, ignored, report_lines, adjustments, tieout)


def _marts_lines(read: _Read) -> list[str]:
    """Missing FX rates, the marts built, post-close adjustments, exceptions and the tie-out."""
    lines = [
        f"Missing FX rates: no {currency} rate on or before {first_needed}; {amounts:,} amount(s) left out"
        f" of USD figures (exception missing_fx_rate): add {currency} rates to fx/ and run again"
        for currency, first_needed, amounts in read.missing_fx
    ]
    lines.append(f"Marts built ({len(read.marts)}): " + ", ".join(m for m, _ in read.marts))
    lines += [
        f"Post-close adjustments: {figures:,} figure(s) of closed month {month:%Y-%m} changed since its close"
        " (marts.post_close_adjustments): review them, or `revwh reopen` the month"
        for month, figures in read.adjustments
    ]
    total = sum(n for _, n in read.exceptions)
    detail = ", ".join(f"{n:,} {kind}" for kind, n in read.exceptions)
    lines.append(f"Exceptions: {total:,}" + (f" ({detail}) — see marts.data_exceptions" if total else ""))
    lines += read.money
    if read.tieout:
        lines.append(read.tieout)
    return lines


def _ignored_lines(read: _Read) -> list[str]:
    """What the loader kept out of the rows: extra columns, blank rows, platform report lines."""
    lines = []
    extra = [(f, cols) for f, cols, _ in read.ignored if cols]
    if extra:
        lines.append(f"Columns ignored ({len(extra)} file(s)): not in the landing contract (docs/landing-contract.md)")
        lines += [f"  {f}: {cols}" for f, cols in extra]
    blank = [(f, n) for f, _, n in read.ignored if n]
    if blank:
        lines.append(f"Blank rows skipped: {sum(n for _, n in blank):,} in {len(blank)} file(s) (every cell empty:"
                     " not data)")
    if read.report_lines:
        lines.append(f"Report lines skipped: {sum(n for _, n, _ in read.report_lines):,} in"
                     f" {len(read.report_lines)} file(s) (a platform report's title, totals or footer: not data)")
        lines += [f"  {f}: {note}" for f, _, note in read.report_lines]
    return lines


def _where_lines(warehouse: Path, as_of: date | None) -> list[str]:
    """Where the warehouse file and this T's reports are, and how to open the file read-only."""
    lines = [f"Warehouse: {warehouse}"]
    folder = warehouse.parent / "reports"
    pattern = f"*{as_of.isoformat()}*" if as_of is not None else "*"
    reports = sorted(p.name for p in folder.glob(pattern) if not p.name.startswith("."))
    if reports:
        lines.append(f"Reports in {folder}: " + ", ".join(reports))
    lines.append(
        "Open it read-only: .venv/bin/python -c \"import duckdb; print(duckdb.connect("
        f"'{warehouse}', read_only=True).sql('select * from marts.budget_pacing limit 10'))\""
    )
    lines.append(f"  or with the DuckDB command-line tool: duckdb -readonly {warehouse}")
    return lines


def _report_lines(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, str]]:
    """(file, count, which lines) of the loaded files with report lines (ingest/loader.py ReportLines);
    none for a warehouse whose registry predates them."""
    have = con.execute("select count(*) from information_schema.columns where table_schema = 'raw'"
                       " and table_name = '_files' and column_name = 'report_lines'").fetchone()[0]
    if not have:
        return []
    return con.execute("select source_file, report_lines, report_lines_note from raw._files"
                       " where status = 'loaded' and report_lines > 0 order by source_file").fetchall()
