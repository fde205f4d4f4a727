"""The short report printed at the end of a run, read from the published warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from orchestration.engines.targets import engine_for
from orchestration.run.exception_money import exception_money_lines
from orchestration.run.marts_lines import as_of_warning, tieout_line


def run_summary(warehouse: Path, as_of: date | None = None, target: str = "duckdb") -> str:
    """Rows landed per source, marts built, exceptions found, and how to open the warehouse."""
    engine = engine_for(target, warehouse)
    if not engine.marts_in_file:  # the landed rows from the landing store, the marts from the engine
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            landed = _landed_lines(*_landed(con))
        finally:
            con.close()
        return engine.summary(as_of, landed)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        lag = as_of_warning(con, as_of) if as_of is not None else None
        per_table, rejected, not_loaded = _landed(con)
        marts = con.execute(
            "select table_name, estimated_size from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
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
        ).fetchall() if "post_close_adjustments" in {m for m, _ in marts} else []
        tieout = tieout_line(con, {m for m, _ in marts})
    finally:
        con.close()
    lines = [lag] if lag else []
    lines += _landed_lines(per_table, rejected, not_loaded)
    for currency, first_needed, amounts in missing_fx:
        lines.append(
            f"Missing FX rates: no {currency} rate on or before {first_needed}; {amounts:,} amount(s) left out"
            f" of USD figures (exception missing_fx_rate): add {currency} rates to fx/ and run again"
        )
    lines.append(f"Marts built ({len(marts)}): " + ", ".join(m for m, _ in marts))
    for month, figures in adjustments:
        lines.append(
            f"Post-close adjustments: {figures:,} figure(s) of closed month {month:%Y-%m} changed since its close"
            " (marts.post_close_adjustments): review them, or `revwh reopen` the month"
        )
    total = sum(n for _, n in exceptions)
    detail = ", ".join(f"{n:,} {kind}" for kind, n in exceptions)
    lines.append(f"Exceptions: {total:,}" + (f" ({detail}) — see marts.data_exceptions" if total else ""))
    lines += money
    if tieout:
        lines.append(tieout)
    extra = [(f, cols) for f, cols, _ in ignored if cols]
    if extra:
        lines.append(f"Columns ignored ({len(extra)} file(s)): not in the landing contract (docs/landing-contract.md)")
        lines += [f"  {f}: {cols}" for f, cols in extra]
    blank = [(f, n) for f, _, n in ignored if n]
    if blank:
        lines.append(f"Blank rows skipped: {sum(n for _, n in blank):,} in {len(blank)} file(s) (every cell empty:"
                     " not data)")
    if report_lines:
        lines.append(f"Report lines skipped: {sum(n for _, n, _ in report_lines):,} in {len(report_lines)} file(s)"
                     " (a platform report's title, totals or footer: not data)")
        lines += [f"  {f}: {note}" for f, _, note in report_lines]
    lines.append(f"Warehouse: {warehouse}")
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
    return "\n".join(lines)


def _landed(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Per table (files, rows, rejected files), the rejected files' errors, the files of no table."""
    per_table = con.execute(
        """select table_name,
                  count(*) filter (where status = 'loaded') as files,
                  coalesce(sum(row_count), 0) as rows,
                  count(*) filter (where status = 'rejected') as rejected
           from raw._files where status <> 'not_loaded' group by 1 order by 1"""
    ).fetchall()
    rejected = con.execute("select error from raw._files where status = 'rejected' order by source_file").fetchall()
    not_loaded = con.execute(
        "select source_file, error from raw._files where status = 'not_loaded'"
        " or (status = 'loaded' and error is not null) order by source_file"
    ).fetchall()
    return per_table, rejected, not_loaded


def _landed_lines(per_table: list[tuple], rejected: list[tuple], not_loaded: list[tuple]) -> list[str]:
    lines = ["Rows landed per source (files, rows):"]
    lines += [
        f"  {t:<22} {f:>4} files {r:>10,} rows" + (f"  ({rj} rejected file(s))" if rj else "")
        for t, f, r, rj in per_table
    ]
    if rejected:
        lines.append(f"Rejected files ({len(rejected)}), fix and drop them again:")
        lines += [f"  {error}" for (error,) in rejected]
    if not_loaded:
        lines.append(
            f"Files not loaded ({len(not_loaded)}) (docs/landing-contract.md):"
        )
        lines += [f"  {path}: {reason}" for path, reason in not_loaded]
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
