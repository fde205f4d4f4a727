"""Read one landing file as batches of strings, or say in one line why it can't be read.

The header is checked first (`read_landing_file`); the rows then come BATCH_ROWS at a time
(`ReadFile.batches`), so memory follows the batch, not the file, however large the export.

Everything stays text here: typing is staging's job (dbt), so a bad value becomes a
quarantined row with its reason instead of a crash, and the raw layer keeps what was sent.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import pyarrow.parquet as pq

from ingest.contract import ISO_CURRENCIES, REPORT_LINE_PATTERN, header_key, parse_number

if TYPE_CHECKING:
    from ingest.contract import LandedTable

# A platform report's lines before its header (a title, a date range, Microsoft's "Report Name: ...")
# are looked through this far for the header row.
REPORT_HEADER_LINES = 30
# The column ReadFile.batches adds to an export's rows: the first cell of a report line (a total, a
# copyright footer), null on a data row.
REPORT_LINE = "_report_line"


class FileRejected(Exception):
    """A file-level problem: the whole file is refused; the message is one line for a person."""


def _check_utf8(path: Path, rel_path: str) -> bool:
    """Reject a file that is not UTF-8, naming the first bad byte's line; True when the file
    holds anything but whitespace. Streams the file in blocks, so memory stays flat however large
    the export is (polars then reads the file itself, never a copy of it held in Python)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, anything = 1, False
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                _reject_utf8(rel_path, exc, line)
            line += block.count(b"\n")
            anything = anything or bool(block.strip())
        try:
            decoder.decode(b"", final=True)  # a multi-byte character cut off at the end
        except UnicodeDecodeError as exc:
            _reject_utf8(rel_path, exc, line)
    return anything


def _reject_utf8(rel_path: str, exc: UnicodeDecodeError, line: int) -> None:
    # exc.object is the block plus the few bytes of a character begun in the previous block
    # (never a newline), so the line is the lines before the block plus those before the byte.
    data = exc.object
    line += data[: exc.start].count(b"\n")
    raise FileRejected(
        f"{rel_path}: not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line});"
        " export it again as UTF-8"
    ) from None


# Rows per batch a file is read in: memory follows the batch, not the file (the loader hands each
# batch to DuckDB before the next is read). One DuckDB row group (122,880 rows): each insert then
# fills whole row groups, written as they fill; batches of another size leave a partial row group
# per insert, a larger file and a checkpoint that rewrites them (measured: docs/performance.md).
BATCH_ROWS = 122_880


def _csv_header(path: Path, rel_path: str) -> list[str]:
    if not _check_utf8(path, rel_path):
        raise FileRejected(f"{rel_path}: empty file (expected a header row)")
    with _csv_errors(rel_path):
        # From the path (polars skips a UTF-8 byte-order mark as decode("utf-8-sig") did).
        return _scan_csv(path).collect_schema().names()


def _scan_csv(path: Path, skip_lines: int = 0) -> pl.LazyFrame:
    # Every value as text, exactly as landed: no type inference, nothing trimmed; an empty field
    # is null, a quoted empty field ("") an empty string, an empty line a row of nulls. The path
    # is a path, never a pattern (a folder named "[x]" is not a glob). `skip_lines`: the report
    # lines before an export's header, counted as the file's physical lines.
    return pl.scan_csv(path, infer_schema=False, has_header=True, glob=False, skip_lines=skip_lines)


@contextlib.contextmanager
def _csv_errors(rel_path: str) -> Iterator[None]:
    """Polars' parse errors, at the header or at any batch, as the one-line rejection of the file."""
    try:
        yield
    except (pl.exceptions.PolarsError, ValueError) as exc:
        text = str(exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        raise FileRejected(f"{rel_path}: not a readable CSV file ({first[:160]})") from None


def _csv_batches(path: Path, rel_path: str, rows: int, skip_lines: int = 0) -> Iterator[pl.DataFrame]:
    """The file's rows in order, about `rows` at a time. Polars' streaming engine runs the parser
    `pl.read_csv` runs, on the whole header (every column, as before): the batch boundaries change
    no value and no row, quoted line breaks and empty lines included (tests/test_loader_streaming.py)."""
    with _csv_errors(rel_path):
        yield from _scan_csv(path, skip_lines).collect_batches(chunk_size=rows)


def _parquet_file(path: Path, rel_path: str) -> pq.ParquetFile:
    if path.stat().st_size == 0:
        raise FileRejected(f"{rel_path}: empty file (expected a Parquet file)")
    try:
        return pq.ParquetFile(path)
    except Exception:  # arrow raises many types for a damaged file
        raise _damaged_parquet(rel_path) from None


def _damaged_parquet(rel_path: str) -> FileRejected:
    return FileRejected(f"{rel_path}: not a valid Parquet file (truncated or damaged)")


def _parquet_batches(path: Path, rel_path: str, rows: int, names: list[str]) -> Iterator[pl.DataFrame]:
    """The file's rows in order, `rows` at a time (one row group at most in memory), the columns
    the contract takes, every value cast to text by polars as `pl.read_parquet` then a cast did."""
    parquet = _parquet_file(path, rel_path)
    try:
        batches = parquet.iter_batches(batch_size=rows, columns=names, use_pandas_metadata=False)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            except Exception:  # a damaged row group: arrow raises many types
                raise _damaged_parquet(rel_path) from None
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            yield frame.with_columns(pl.all().cast(pl.String))
    finally:
        parquet.close()


@dataclass(frozen=True)
class ReadFile:
    """A landing file checked at its header: its rows come in batches of strings, the expected
    columns in order; and what its header had beyond them."""

    path: Path
    rel_path: str
    fmt: str
    expected: tuple[str, ...]
    sources: tuple[str | None, ...]  # the header's name of each expected column; None: absent (optional)
    extra_columns: tuple[str, ...]  # in the file, not in the contract: ignored (SPEC 6), listed in the summary
    # An export (LandedTable.export_shapes) may have report lines before its header: the header is then
    # the file's line `header_line`, and its rows follow it (line numbers stay the file's own).
    header_line: int = 1
    fills: tuple[tuple[str, str], ...] = ()  # (column, value) for a column absent from the header
    in_units: tuple[str, ...] = ()  # columns read from a header in currency units: × 1,000,000 (micros)
    # The header column whose cell marks a report line (a total, a copyright footer): batches() then
    # adds the column REPORT_LINE; None for a file of no export table.
    report_line_column: str | None = None
    # (first day's header, last day's header) of a report whose rows must each be one day
    # (LandedTable.day_end_headers); a row spanning days refuses the file when its batch is read.
    day_span: tuple[str, str] | None = None

    @property
    def report_lines_before(self) -> int:
        """Lines before the header (a report's title, date range, report header): skipped, not data."""
        return self.header_line - 1

    def batches(self, rows: int = BATCH_ROWS) -> Iterator[pl.DataFrame]:
        """The rows in file order, at most about `rows` at a time. A problem found in the body of the
        file (a damaged row group, an unclosed quote) raises FileRejected when its batch is read."""
        fills = dict(self.fills)
        columns = []
        for c, s in zip(self.expected, self.sources, strict=True):
            if s is None:
                columns.append(pl.lit(fills.get(c), dtype=pl.String).alias(c))
            elif c in self.in_units:
                columns.append(pl.col(s).map_elements(_micros, return_dtype=pl.String, skip_nulls=True).alias(c))
            else:
                columns.append(pl.col(s).alias(c))
        if self.report_line_column is not None:
            first = pl.col(self.report_line_column)
            columns.append(pl.when(first.str.contains(REPORT_LINE_PATTERN)).then(first).alias(REPORT_LINE))
        if self.fmt == "parquet":
            names = list(dict.fromkeys(s for s in (*self.sources, self.report_line_column) if s is not None))
            read = _parquet_batches(self.path, self.rel_path, rows, names)
        else:
            read = _csv_batches(self.path, self.rel_path, rows, self.report_lines_before)
        line = self.header_line + 1
        for batch in read:
            if self.day_span is not None:
                self._check_one_day(batch, line)
            line += batch.height
            yield batch.select(columns)

    def _check_one_day(self, batch: pl.DataFrame, first_line: int) -> None:
        first, last = self.day_span
        spans = batch.with_row_index("_line", offset=first_line).filter(
            pl.col(last).is_not_null() & (pl.col(last).str.strip_chars() != pl.col(first).str.strip_chars()))
        if spans.height:
            row = spans.row(0, named=True)
            raise FileRejected(
                f"{self.rel_path}: line {row['_line']} covers {row[first]} to {row[last]} ({first} to {last}):"
                " a row must be one day; export the report again broken down by day")

    @property
    def frame(self) -> pl.DataFrame:
        """Every row at once (a small file; the loader reads batches)."""
        frames = list(self.batches())
        if not frames:
            return pl.DataFrame(schema=dict.fromkeys(self.expected, pl.String))
        return pl.concat(frames)


def _micros(text: str) -> str:
    """A cost in currency units as Google Ads UI writes it ("1,234.56") in millionths, exactly
    (1234560000); a text that is no amount stays as it was, for staging to quarantine with its value."""
    value = parse_number(text, "money")
    return text if value is None else str(int(value * Decimal(1_000_000)))


def read_landing_file(
    path: Path, rel_path: str, fmt: str, expected: tuple[str, ...], optional: tuple[str, ...] = (),
    *, table: LandedTable | None = None, file_time: datetime | None = None,
) -> ReadFile:
    """The file, its header checked; its rows (strings, exactly the `expected` columns in order)
    come from `batches()`.

    Header names are matched ignoring case and surrounding spaces; extra columns are dropped and
    returned by name; an `optional` column missing from the header is empty (SPEC 6: campaign
    names, time zones, impressions, clicks); any other missing column rejects the file, naming it.
    For a `table` that accepts real exports (the ad platforms: LandedTable.export_shapes), the
    header is read as `_read_export` says; `file_time` (the file's modification time) stands for a
    column filled by file time (extracted_at) when the header has none.
    """
    if table is not None and table.accepts_exports:
        return _read_export(path, rel_path, fmt, table, file_time)
    if fmt == "parquet":
        parquet = _parquet_file(path, rel_path)
        header = list(parquet.schema_arrow.names)
        parquet.close()
    else:
        header = _csv_header(path, rel_path)
    by_key = {str(c).strip().lower(): c for c in header}
    known = {c.lower() for c in expected}
    extra = tuple(str(c) for c in header if str(c).strip().lower() not in known)
    may_lack = {c.lower() for c in optional}
    missing = [c for c in expected if c.lower() not in by_key and c.lower() not in may_lack]
    if missing:
        hint = f"; found unexpected column(s) {', '.join(extra)}" if extra else ""
        raise FileRejected(
            f"{rel_path}: missing column(s) {', '.join(missing)}{hint}"
            f" (expected: {', '.join(expected)})"
        )
    sources = tuple(by_key.get(c.lower()) for c in expected)
    return ReadFile(path, rel_path, fmt, tuple(expected), sources, extra)


_CURRENCY_SUFFIX = re.compile(r"^(.*?)\s*\(\s*([A-Za-z]{3})\s*\)\s*$")


class _Header:
    """One header row of an export matched to a table's columns by name or alias (header_key)."""

    def __init__(self, names: list[str], table: LandedTable) -> None:
        accepted = {header_key(n): (c.name, n in c.unit_aliases)
                    for c in table.column_specs for n in c.header_names}
        self.names = names
        self.source: dict[str, str] = {}  # contract column -> header name
        self.in_units: set[str] = set()
        self.currency: str | None = None  # a currency code the header carries: "Amount spent (USD)"
        self.twice: list[tuple[str, str, str]] = []  # (column, first header, second header)
        self.extra: list[str] = []
        ends = {header_key(n) for n in table.day_end_headers}
        self.day_end = next((str(n) for n in names if header_key(str(n)) in ends), None)
        for raw in names:
            name = str(raw)
            hit = accepted.get(header_key(name))
            suffix = _CURRENCY_SUFFIX.match(name)
            if hit is None and suffix and suffix.group(2).upper() in ISO_CURRENCIES:
                hit = accepted.get(header_key(suffix.group(1)))
                if hit is not None:
                    self.currency = suffix.group(2).upper()
            if hit is None:
                self.extra.append(name)
                continue
            column, units = hit
            if column in self.source:
                self.twice.append((column, self.source[column], name))
                continue
            self.source[column] = name
            if units:
                self.in_units.add(column)


def _find_header(path: Path, rel_path: str, table: LandedTable) -> tuple[list[str], int]:
    """The header row of a CSV export and its line: the first of the first REPORT_HEADER_LINES rows
    that names two or more of the table's columns (a report's title and date-range lines come
    before it); line 1 when none does, so a wrong header is refused naming what it lacks."""
    first = _csv_header(path, rel_path)  # checks UTF-8 and that polars can read it
    with _csv_errors(rel_path), path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        for _ in range(REPORT_HEADER_LINES):
            try:
                row = next(reader)
            except (StopIteration, csv.Error):
                break
            if len(_Header(row, table).source) >= 2:
                return row, reader.line_num
    return first, 1


def _read_export(
    path: Path, rel_path: str, fmt: str, table: LandedTable, file_time: datetime | None
) -> ReadFile:
    """A file of a table that accepts real exports: header names matched by name or alias ignoring
    case, spaces and punctuation; report lines before the header skipped (their count is
    `header_line - 1`); a cost in currency units converted to micros; a column the header lacks
    filled from the file's time or a currency the header carries, else refused naming it."""
    if fmt == "parquet":
        parquet = _parquet_file(path, rel_path)
        names, header_line = [str(n) for n in parquet.schema_arrow.names], 1
        parquet.close()
    else:
        names, header_line = _find_header(path, rel_path, table)
    header = _Header(names, table)
    if header.twice:
        column, one, other = header.twice[0]
        raise FileRejected(f"{rel_path}: columns {one!r} and {other!r} (line {header_line}) both give"
                           f" {column}: keep one of them")
    fills: list[tuple[str, str]] = []
    missing: list[str] = []
    for col in table.column_specs:
        if col.name in header.source or col.optional:
            continue
        if col.when_absent == "file_time" and file_time is not None:
            fills.append((col.name, file_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")))
        elif col.when_absent == "header_currency" and header.currency is not None:
            fills.append((col.name, header.currency))
        else:
            missing.append(col.name)
    if missing:
        named = ", ".join(
            c + (f" (or {' / '.join(table.column(c).header_names[1:])})" if table.column(c).header_names[1:] else "")
            for c in missing)
        where = f" (header on line {header_line})" if header_line > 1 else ""
        found = f"; found unexpected column(s) {', '.join(header.extra)}" if header.extra else ""
        raise FileRejected(
            f"{rel_path}: missing column(s) {named}{where}{found}: add {'it' if len(missing) == 1 else 'them'}"
            " to the export (docs/landing-contract.md, Accepted export shapes)")
    sources = tuple(header.source.get(c) for c in table.columns)
    day = header.source.get(table.column("spend_date").name) if header.day_end else None
    return ReadFile(path, rel_path, fmt, table.columns, sources, tuple(header.extra), header_line=header_line,
                    fills=tuple(fills), in_units=tuple(sorted(header.in_units)),
                    report_line_column=names[0] if names else None,
                    day_span=(day, header.day_end) if day and header.day_end else None)
