"""The loader reads a file in batches: the rows, their values and their line numbers are those of
one whole-file read, whatever the batch size; and a full disk is said in one line, never hidden
behind "cannot rollback"."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ingest.loader
from ingest.contract import TABLES_BY_NAME
from ingest.disk_full import DiskFull
from ingest.loader import load_landing
from ingest.reader import read_landing_file
from orchestration.run.failures import LINE_MAX
from orchestration.run.failures import dbt_failures as _dbt_failures
from orchestration.run.failures import step_failures as _step_failures

T0 = datetime(2026, 11, 1, 2, 0, 0)
GOOGLE = TABLES_BY_NAME["google_ads"]
CSV_REL = "ads/google_ads/google_ads_2026-10.csv"


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return con.execute(f"select * exclude (_loaded_at) from raw.{table} order by _row_number").fetchall()


def _awkward_csv(path: Path) -> None:
    """50 data records: a BOM, CRLF line ends, header names in other case and spacing, an extra
    column, no campaign_name (optional); blank lines, rows of empty cells and of spaces, quoted
    values with commas, doubled quotes and line breaks, empty quoted values, values with spaces."""
    rnd = random.Random(3)
    header = ("Segments_Date, CUSTOMER_ID ,customer_currency_code,customer_time_zone,campaign_id,"
              "metrics_cost_micros,metrics_impressions,metrics_clicks,extracted_at,Device\r\n")
    records = []
    for i in range(50):
        kind = rnd.random()
        if kind < 0.12:
            records.append("")  # an empty line
        elif kind < 0.2:
            records.append(",,,,,,,,,")
        elif kind < 0.26:
            records.append(" , ,,  ,,,,,,mobile")  # blank: the extra column does not count
        elif kind < 0.45:
            records.append(f'2026-10-{1 + i % 28:02d},"111-{i}","USD","America/New_York, ""East""",'
                           f'"camp\r\naign {i}",{i * 1000},"",,2026-10-29T02:00:00Z,"a,b"')
        else:
            records.append(f"2026-10-{1 + i % 28:02d},  {i} ,USD,,C{i},{i * 1000}, 7 ,1,2026-10-29T02:00:00Z,")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\ufeff" + header + "\r\n".join(records) + "\r\n").encode("utf-8"))


def _whole_file_rows(path: Path) -> tuple[list[tuple], int]:
    """What one read of the whole file gives (pl.read_csv, as the loader read files before): the
    landed rows with their lines, and the number of blank rows."""
    frame = pl.read_csv(path, infer_schema=False, has_header=True)
    by_key = {c.strip().lower(): c for c in frame.columns}
    frame = frame.select([pl.col(by_key[c.lower()]).alias(c) if c.lower() in by_key
                          else pl.lit(None, dtype=pl.String).alias(c) for c in GOOGLE.columns])
    numbered = frame.with_row_index("_row_number", offset=2)
    blank = pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in GOOGLE.columns)
    data = numbered.filter(~blank)
    rows = [(*r[1:], CSV_REL, r[0]) for r in data.iter_rows()]
    return rows, frame.height - data.height


def _load(landing: Path, slice_rows: int, monkeypatch: pytest.MonkeyPatch) -> tuple[list[tuple], tuple]:
    monkeypatch.setattr(ingest.loader, "INSERT_SLICE", slice_rows)
    con = duckdb.connect()
    report = load_landing(con, landing, loaded_at=T0)
    assert report.rejected == []
    registry = con.execute("select row_count, blank_rows, extra_columns from raw._files").fetchone()
    return _rows(con, "google_ads"), registry


def test_a_csv_read_in_batches_of_7_lands_as_one_whole_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / CSV_REL
    _awkward_csv(path)
    read = read_landing_file(path, CSV_REL, "csv", GOOGLE.columns, GOOGLE.optional_columns)
    assert len(list(read.batches(7))) >= 7  # 50 records: really several batches
    assert read.frame.equals(pl.concat(list(read.batches(7))))

    expected, blanks = _whole_file_rows(path)
    in_sevens, registry = _load(tmp_path, 7, monkeypatch)
    at_once, registry_once = _load(tmp_path, 1000, monkeypatch)
    assert in_sevens == expected == at_once
    assert registry == registry_once == (len(expected), blanks, "Device")
    assert 0 < blanks and len(expected) + blanks == 50
    # quoted line breaks, commas and doubled quotes kept; spaces kept; "" is empty, not null
    quoted = next(r for r in in_sevens if r[0] and r[1] == "111-" + r[4].split()[-1])
    assert quoted[3] == 'America/New_York, "East"' and quoted[4].startswith("camp\r\naign")
    assert quoted[7] == "" and quoted[8] is None
    assert any(r[1].startswith("  ") and r[7] == " 7 " for r in in_sevens)


def test_a_parquet_file_read_in_batches_lands_as_one_whole_read(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    rel = "ads/google_ads/history.parquet"
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    n = 50
    table = pa.table({
        "segments_date": pa.array([date(2026, 10, 1 + i % 28) for i in range(n)]),
        "Customer_Id": pa.array([1112223333 + i for i in range(n)], pa.int64()),
        "customer_currency_code": pa.array(["USD"] * n).dictionary_encode(),
        "campaign_id": pa.array([None if i % 9 == 0 else f"C{i}" for i in range(n)]),
        "metrics_cost_micros": pa.array([i * 1.5 for i in range(n)]),
        "metrics_clicks": pa.array([None if i % 4 == 0 else i for i in range(n)], pa.int32()),
        "extracted_at": pa.array([datetime(2026, 10, 29, 2, i, tzinfo=UTC) for i in range(n)],
                                 pa.timestamp("us", tz="UTC")),
        "note": pa.array(["x"] * n),
    })
    pq.write_table(table, path, row_group_size=12)  # five row groups, read 7 rows at a time
    whole = pl.read_parquet(path).with_columns(pl.all().cast(pl.String))
    by_key = {c.lower(): c for c in whole.columns}
    whole = whole.select([pl.col(by_key[c]).alias(c) if c in by_key else pl.lit(None, dtype=pl.String).alias(c)
                          for c in GOOGLE.columns])
    expected = [(*r, rel, i + 2) for i, r in enumerate(whole.iter_rows())]
    monkeypatch.setattr(ingest.loader, "INSERT_SLICE", 7)
    con = duckdb.connect()
    report = load_landing(con, tmp_path, loaded_at=T0)
    assert report.rejected == [] and report.rows_loaded("google_ads") == n
    assert _rows(con, "google_ads") == expected
    assert con.execute("select extra_columns from raw._files").fetchone() == ("note",)


def test_a_file_refused_after_some_batches_leaves_none_of_its_rows(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """An unclosed quote on the last record is found by the last batch: the rows of the batches
    before it are taken out again, and the file is rejected with one line."""
    path = tmp_path / CSV_REL
    _awkward_csv(path)
    con = duckdb.connect()
    monkeypatch.setattr(ingest.loader, "INSERT_SLICE", 7)
    load_landing(con, tmp_path, loaded_at=T0)
    assert _rows(con, "google_ads")
    with path.open("ab") as fh:
        fh.write(b'2026-10-01,1,USD,,"unclosed,1,1,1,2026-10-29T02:00:00Z,\r\n')
    report = load_landing(con, tmp_path, loaded_at=T0)
    assert [(r.file, r.reason.split(" (")[0]) for r in report.rejected] == [
        (CSV_REL, f"{CSV_REL}: not a readable CSV file")]
    assert _rows(con, "google_ads") == []
    assert con.execute("select status, row_count from raw._files").fetchall() == [("rejected", 0)]


class _DiskFills:
    """A connection whose disk fills at the second batch of google_ads rows; DuckDB has then ended
    the transaction, so the rollback fails too ("cannot rollback - no transaction is active")."""

    def __init__(self, con: duckdb.DuckDBPyConnection, error: Exception) -> None:
        self._con, self._error, self._inserts = con, error, 0

    def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
        if sql.startswith("insert into raw.google_ads"):
            self._inserts += 1
            if self._inserts == 2:
                raise self._error
        if sql == "rollback":
            raise duckdb.TransactionException("TransactionContext Error: cannot rollback - no transaction is active")
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


def _filling_connection(tmp_path: Path, error: Exception) -> _DiskFills:
    con = duckdb.connect(str(tmp_path / "wh" / "revwh.duckdb.building"))
    con.execute("set python_scan_all_frames = true")  # the batch is a local of the loader's frame
    return _DiskFills(con, error)


def test_a_full_disk_during_the_load_is_one_line_not_cannot_rollback(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    landing = tmp_path / "landing"
    _awkward_csv(landing / CSV_REL)
    (tmp_path / "wh").mkdir()
    monkeypatch.setattr(ingest.loader, "INSERT_SLICE", 7)
    con = _filling_connection(tmp_path, duckdb.IOException(
        'IO Error: Could not write file "revwh.duckdb.building.wal": No space left on device'))
    with pytest.raises(DiskFull) as raised:
        load_landing(con, landing, loaded_at=T0)  # type: ignore[arg-type]
    line = str(raised.value)
    wh = (tmp_path / "wh").resolve()
    assert line.startswith(f"disk full while loading {CSV_REL} into {wh} (")
    assert line.endswith(" MB free): free space and run again") and "\n" not in line
    assert "cannot rollback" not in line
    assert isinstance(raised.value.__cause__, duckdb.IOException)  # the real cause, kept for the logs
    # as the run's failure line: the innermost error of the step is DuckDB's; the line is the disk's
    failure = _FakeStepFailure("load_landing_files", raised.value)
    assert _step_failures([failure], wh)[0].startswith("step load_landing_files failed: disk full while writing to")


def test_the_landing_step_says_a_full_disk_in_one_line_and_keeps_its_cause(tmp_path: Path) -> None:
    """orchestration/run/landing_load.py: the loader's DiskFull keeps its line; DuckDB's own
    full-disk error (the checkpoint, the suites) becomes the disk's line; anything else goes on."""
    from orchestration.run.landing_load import LoadStopped, _stop_if_disk_full

    full = DiskFull("disk full while loading x into /wh (3 MB free): free space and run again")
    with pytest.raises(LoadStopped) as raised:
        _stop_if_disk_full(full, tmp_path)
    assert str(raised.value) == str(full) and raised.value.__cause__ is full  # the step failure's cause
    io = duckdb.IOException('IO Error: Could not write file "revwh.duckdb.building.wal": No space left on device')
    with pytest.raises(LoadStopped) as raised:
        _stop_if_disk_full(io, tmp_path)
    assert str(raised.value).startswith(f"disk full while loading the landing files into {tmp_path} (")
    assert raised.value.__cause__ is io
    assert _stop_if_disk_full(duckdb.ConversionException("Conversion Error: something else"), tmp_path) is None


def test_a_failing_rollback_does_not_hide_the_error_that_stopped_the_load(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    landing = tmp_path / "landing"
    _awkward_csv(landing / CSV_REL)
    (tmp_path / "wh").mkdir()
    monkeypatch.setattr(ingest.loader, "INSERT_SLICE", 7)
    con = _filling_connection(tmp_path, duckdb.ConversionException("Conversion Error: something else"))
    with pytest.raises(duckdb.ConversionException, match="something else") as raised:
        load_landing(con, landing, loaded_at=T0)  # type: ignore[arg-type]
    assert any("cannot rollback" in note for note in raised.value.__notes__)  # said, not raised


class _Err:
    def __init__(self, exc: BaseException) -> None:
        self.message, self.cause = f"{type(exc).__name__}: {exc}", None
        self.cls_name = type(exc).__name__
        if exc.__cause__ is not None:
            self.cause = _Err(exc.__cause__)


class _FakeStepFailure:
    """A Dagster step-failure event, as much of it as _step_failures reads."""

    is_step_failure = True

    def __init__(self, step_key: str, exc: BaseException) -> None:
        self.step_key = step_key
        self.step_failure_data = type("Data", (), {"user_failure_data": None, "error": _Err(exc)})()


def test_dbt_failure_text_drops_json_cuts_long_lines_and_names_a_full_disk(tmp_path: Path) -> None:
    json_line = '{"info": {"name": "LogModelResult", "msg": "Runtime Error in model x"}, "data": {"sql": "' + (
        "select 1 union all " * 3600) + '"}}'
    assert len(json_line) > 68_000
    log = "\n".join([
        "\x1b[0m02:00:01  1 of 90 START sql table model main.stg_clients ........ [RUN]",
        json_line,
        "\x1b[0m02:00:09  Runtime Error in model fct_ad_spend_daily (models/marts/fct_ad_spend_daily.sql)",
        json_line,
        '  IO Error: Could not write file "/wh/revwh.duckdb.building.wal": No space left on device',
        "02:00:10  Database Error in model weekly_flash (models/marts/weekly_flash.sql)",
        '  IO Error: Could not write all bytes to file "/wh/revwh.duckdb.building.tmp/x.block": wanted=262144',
        "02:00:11  Failure in test not_null_clients_client_id (models/staging/schema.yml)",
        "02:00:11  Got 3 results, configured to fail if != 0" + " because" * 100,
    ])
    lines = _dbt_failures(log, tmp_path)
    assert sum(len(line) for line in lines) < 1_000
    assert all(len(line) <= LINE_MAX for line in lines) and not any("{" in line for line in lines)
    assert lines[0].startswith(f"dbt: disk full while dbt was writing to {tmp_path} (")
    assert lines[0].endswith(" MB free): free space and run again")
    assert not any("No space" in line or "Could not write" in line for line in lines)
    assert any("Failure in test not_null_clients_client_id" in line for line in lines)  # other failures stay
    assert lines[-1].endswith("…")  # the long line, cut

    # without a full disk, the errors read as before, the JSON left out
    plain = "\n".join(["Runtime Error in model ar_aging (models/marts/ar_aging.sql)", json_line,
                       "  Binder Error: column x not found"])
    assert _dbt_failures(plain, tmp_path) == [
        "dbt: Runtime Error in model ar_aging (models/marts/ar_aging.sql): Binder Error: column x not found"]
