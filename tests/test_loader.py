"""The loader: every file recorded once, changed files replaced, removed files dropped,
bad files rejected with one line naming the file and the problem."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest.loader import load_landing
from tests.landing_builder import write_table

T0 = datetime(2026, 11, 1, 2, 0, 0)
T1 = datetime(2026, 11, 2, 2, 0, 0)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return con.execute(f"select * exclude (_loaded_at) from raw.{table} order by _source_file, _row_number").fetchall()


def test_same_file_twice_loads_once(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    write_table(tmp_path, "clients", [("C1", "A", "Toyota", "US", "USD", "a@x")])
    first = load_landing(con, tmp_path, loaded_at=T0)
    second = load_landing(con, tmp_path, loaded_at=T1)
    assert first.loaded == [("clients", "contracting/clients.csv", 1)]
    assert second.loaded == [] and second.skipped == [("clients", "contracting/clients.csv")]
    # line 2: the header is line 1, as a spreadsheet numbers it
    assert _rows(con, "clients") == [("C1", "A", "Toyota", "US", "USD", "a@x", "contracting/clients.csv", 2)]
    assert con.execute("select loaded_at from raw._files").fetchall() == [(T0,)]


def test_changed_file_replaces_and_removed_file_drops(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    write_table(tmp_path, "clients", [("C1", "A", "Toyota", "US", "USD", "")])
    extra = write_table(tmp_path, "clients", [("C2", "B", "Kia", "US", "USD", "")], "clients_2026-10.csv")
    load_landing(con, tmp_path, loaded_at=T0)
    write_table(tmp_path, "clients", [("C1", "A2", "Toyota", "US", "USD", ""), ("C3", "C", "Ford", "US", "USD", "")])
    extra.unlink()
    report = load_landing(con, tmp_path, loaded_at=T1)
    assert report.removed == [("clients", "contracting/clients_2026-10.csv")]
    assert report.loaded == [("clients", "contracting/clients.csv", 2)]
    assert [r[:2] for r in _rows(con, "clients")] == [("C1", "A2"), ("C3", "C")]


def test_bom_header_case_and_extra_columns(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    folder = tmp_path / "fx"
    folder.mkdir()
    (folder / "fx_rates.csv").write_bytes(
        "\ufeffRate_Date, currency ,usd_per_unit,comment\n2026-10-01,CAD,0.720000,x\n".encode())
    report = load_landing(con, tmp_path, loaded_at=T0)
    assert report.rejected == []
    assert _rows(con, "fx_rates") == [("2026-10-01", "CAD", "0.720000", "fx/fx_rates.csv", 2)]
    assert con.execute("select extra_columns from raw._files").fetchall() == [("comment",)]


def test_parquet_file_loads_as_text(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    folder = tmp_path / "ads" / "google_ads"
    folder.mkdir(parents=True)
    pl.DataFrame({
        "segments_date": ["2026-10-01"], "customer_id": [1112223333], "customer_currency_code": ["USD"],
        "customer_time_zone": ["UTC"], "campaign_id": [11], "campaign_name": ["Brand"],
        "metrics_cost_micros": [123450000], "metrics_impressions": [10], "metrics_clicks": [1],
        "extracted_at": ["2026-10-02T02:00:00Z"],
    }).write_parquet(folder / "history.parquet")
    load_landing(con, tmp_path, loaded_at=T0)
    assert _rows(con, "google_ads") == [(
        "2026-10-01", "1112223333", "USD", "UTC", "11", "Brand", "123450000", "10", "1",
        "2026-10-02T02:00:00Z", "ads/google_ads/history.parquet", 2)]  # counted as if exported with a header


def test_file_level_problems_are_rejected_with_one_line(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    c = tmp_path / "contracting"
    c.mkdir()
    (c / "contracts.csv").write_text(
        "contract_id,client_id,product_code,program_code,start_date\nK1,C1,S,,2026-01-01\n")
    (c / "clients.csv").write_bytes("client_id,client_name,oem,country,currency,billing_email\nC1,Qu\xe9bec,,CA,CAD,\n"
                                    .encode("latin-1"))
    (c / "products.csv").write_bytes(b"")
    g = tmp_path / "ads" / "google_ads"
    g.mkdir(parents=True)
    (g / "broken.parquet").write_bytes(b"PAR1\x00\x01garbage")
    report = load_landing(con, tmp_path, loaded_at=T0)
    reasons = {f: r for _t, f, r in report.rejected}
    assert reasons["contracting/contracts.csv"].startswith("contracting/contracts.csv: missing column(s) end_date")
    assert reasons["contracting/clients.csv"] == (
        "contracting/clients.csv: not UTF-8 text (byte 0xe9 on line 2); export it again as UTF-8")
    assert reasons["contracting/products.csv"] == "contracting/products.csv: empty file (expected a header row)"
    assert "not a valid Parquet file" in reasons["ads/google_ads/broken.parquet"]
    assert all("\n" not in r for r in reasons.values())
    assert con.execute("select count(*) from raw._files where status = 'rejected'").fetchone() == (4,)


def test_file_naming_rules(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    write_table(tmp_path, "invoice_lines", [], "invoice_lines_2026-10.csv")
    write_table(tmp_path, "invoices", [], "invoices_2026-10.csv")
    (tmp_path / "accounting" / "notes.txt").write_text("hello")
    (tmp_path / "accounting" / "summary.csv").write_text("a,b\n")
    report = load_landing(con, tmp_path, loaded_at=T0)
    assert sorted((t, f) for t, f, _r in report.loaded) == [
        ("invoice_lines", "accounting/invoice_lines_2026-10.csv"), ("invoices", "accounting/invoices_2026-10.csv")]
    assert sorted(u.rel_path for u in report.unrecognized) == ["accounting/notes.txt", "accounting/summary.csv"]


def test_a_large_file_is_loaded_in_slices_in_file_order(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """More rows than one slice handed to DuckDB: every row once, numbered in the file's order,
    and a character cut by the reader's 1 MiB block boundary is still read as one character."""
    import ingest.loader

    monkeypatch.setattr(ingest.loader, "INSERT_SLICE", 7)  # 50 rows: slices of 7, 7, ..., 1
    header = "client_id,client_name,oem,country,currency,billing_email\n"
    rows = [f"C{i},Dealer {i},Toyota,US,USD,a{i}@x\n" for i in range(1, 51)]
    pad = "x" * ((1 << 20) - 1 - len(header) - len("C1,"))  # é (2 bytes) of row 1 at bytes 1,048,575-6
    rows[0] = f"C1,{pad}é,Toyota,US,USD,a1@x\n"
    (tmp_path / "contracting").mkdir()
    (tmp_path / "contracting" / "clients.csv").write_text(header + "".join(rows), encoding="utf-8")
    report = load_landing(con, tmp_path, loaded_at=T0)
    assert report.rejected == [] and report.rows_loaded("clients") == 50
    got = con.execute("select _row_number, client_id, client_name from raw.clients order by _row_number").fetchall()
    assert [(n, c) for n, c, _ in got] == [(i + 1, f"C{i}") for i in range(1, 51)]  # C1 is on line 2
    assert got[0][2] == pad + "é" and got[49][2] == "Dealer 50"


def test_a_bad_byte_after_the_first_block_names_its_line(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    line = "C1,Dealer,Toyota,US,USD,a@x\n"
    body = "client_id,client_name,oem,country,currency,billing_email\n" + line * 60_000  # 1.7 MB
    (tmp_path / "contracting").mkdir()
    # 1 header line + 60,000 rows: the bad byte is on line 60,002
    (tmp_path / "contracting" / "clients.csv").write_bytes(body.encode() + b"C2,Jos\xe9,Toyota,US,USD,b@x\n")
    report = load_landing(con, tmp_path, loaded_at=T0)
    assert [r.reason for r in report.rejected] == [
        "contracting/clients.csv: not UTF-8 text (byte 0xe9 on line 60002); export it again as UTF-8"]


def test_blank_rows_are_counted_not_landed_and_lines_keep_their_numbers(tmp_path: Path,
                                                                       con: duckdb.DuckDBPyConnection) -> None:
    """SPEC 6: a row of empty cells (a spacer row, the trailing empty line Excel writes) is not data.
    Lines: 1 header, 2 C1, 3 blank, 4 C2, 5 commas only, 6 spaces only, then a trailing empty line."""
    (tmp_path / "contracting").mkdir()
    (tmp_path / "contracting" / "clients.csv").write_text(
        "client_id,client_name,oem,country,currency,billing_email\n"
        "C1,A,Toyota,US,USD,a@x\n\nC2,B,Kia,US,USD,b@x\n,,,,,\n , ,,,, \n\n", encoding="utf-8")
    report = load_landing(con, tmp_path, loaded_at=T0)
    assert report.loaded == [("clients", "contracting/clients.csv", 2)]
    assert [(r[0], r[-1]) for r in _rows(con, "clients")] == [("C1", 2), ("C2", 4)]
    # lines 3, 5, 6 and the trailing empty line 7
    assert con.execute("select row_count, blank_rows from raw._files").fetchall() == [(2, 4)]


def test_optional_columns_may_be_absent_and_extra_columns_are_listed(tmp_path: Path,
                                                                      con: duckdb.DuckDBPyConnection) -> None:
    """SPEC 6: a Microsoft report without CampaignName, Impressions and Clicks loads (they are empty);
    DeviceType and Network, which the contract does not have, are ignored and listed."""
    folder = tmp_path / "ads" / "microsoft_ads"
    folder.mkdir(parents=True)
    (folder / "report.csv").write_text(
        "TimePeriod,AccountId,CurrencyCode,CampaignId,DeviceType,Network,Spend,extracted_at\n"
        "2026-10-01,111,USD,9,Computer,Search,12.50,2026-10-02T06:00:00Z\n", encoding="utf-8")
    report = load_landing(con, tmp_path, loaded_at=T0)
    assert report.rejected == [] and report.rows_loaded("microsoft_ads") == 1
    row = con.execute('select "CampaignName", "Impressions", "Clicks", "Spend" from raw.microsoft_ads').fetchone()
    assert row == (None, None, None, "12.50")
    assert con.execute("select extra_columns from raw._files").fetchone() == ("DeviceType, Network",)


def test_a_required_column_missing_still_rejects_the_file(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    folder = tmp_path / "ads" / "microsoft_ads"
    folder.mkdir(parents=True)
    (folder / "report.csv").write_text("TimePeriod,AccountId,CurrencyCode,CampaignId,extracted_at\n"
                                       "2026-10-01,111,USD,9,2026-10-02T06:00:00Z\n", encoding="utf-8")
    report = load_landing(con, tmp_path, loaded_at=T0)
    assert [r.reason for r in report.rejected] == [
        "ads/microsoft_ads/report.csv: missing column(s) Spend: add it to the export (docs/landing-contract.md,"
        " Accepted export shapes)"]


def test_a_warehouse_numbered_by_data_row_moves_to_line_numbers_once(tmp_path: Path) -> None:
    """Warehouses built before line numbers held 1 for the first data row; their raw rows move down
    one line when the registry gains blank_rows, and only then."""
    landing = tmp_path / "landing"
    write_table(landing, "clients", [("C1", "A", "Toyota", "US", "USD", "a@x")])
    db = duckdb.connect(str(tmp_path / "old.duckdb"))
    load_landing(db, landing, loaded_at=T0)
    # make it look like an older warehouse: data-row numbering, no blank_rows / extra_columns
    db.execute("update raw.clients set _row_number = 1")
    db.execute("alter table raw._files drop column blank_rows")
    db.execute("alter table raw._files drop column extra_columns")
    load_landing(db, landing, loaded_at=T1)  # unchanged file: skipped, its row renumbered
    load_landing(db, landing, loaded_at=T1)  # and not again
    assert db.execute("select _row_number from raw.clients").fetchall() == [(2,)]
    assert db.execute("select loaded_at, blank_rows from raw._files").fetchall() == [(T0, 0)]
