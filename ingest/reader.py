"""Read one landing file as batches of strings, or say in one line why it can't be read.

The header is checked first (`read_landing_file`); the rows then come BATCH_ROWS at a time
(`ReadFile.batches`), so memory follows the batch, not the file, however large the export.

Everything stays text here: typing is staging's job (dbt), so a bad value becomes a
quarantined row with its reason instead of a crash, and the raw layer keeps what was sent.
"""

from __future__ import annotations

import codecs
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq


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


def _scan_csv(path: Path) -> pl.LazyFrame:
    # Every value as text, exactly as landed: no type inference, nothing trimmed; an empty field
    # is null, a quoted empty field ("") an empty string, an empty line a row of nulls. The path
    # is a path, never a pattern (a folder named "[x]" is not a glob).
    return pl.scan_csv(path, infer_schema=False, has_header=True, glob=False)


@contextlib.contextmanager
def _csv_errors(rel_path: str) -> Iterator[None]:
    """Polars' parse errors, at the header or at any batch, as the one-line rejection of the file."""
    try:
        yield
    except (pl.exceptions.PolarsError, ValueError) as exc:
        text = str(exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        raise FileRejected(f"{rel_path}: not a readable CSV file ({first[:160]})") from None


def _csv_batches(path: Path, rel_path: str, rows: int) -> Iterator[pl.DataFrame]:
    """The file's rows in order, about `rows` at a time. Polars' streaming engine runs the parser
    `pl.read_csv` runs, on the whole header (every column, as before): the batch boundaries change
    no value and no row, quoted line breaks and empty lines included (tests/test_loader_streaming.py)."""
    with _csv_errors(rel_path):
        yield from _scan_csv(path).collect_batches(chunk_size=rows)


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

    def batches(self, rows: int = BATCH_ROWS) -> Iterator[pl.DataFrame]:
        """The rows in file order, at most about `rows` at a time. A problem found in the body of the
        file (a damaged row group, an unclosed quote) raises FileRejected when its batch is read."""
        columns = [
            pl.col(s).alias(c) if s is not None else pl.lit(None, dtype=pl.String).alias(c)
            for c, s in zip(self.expected, self.sources, strict=True)
        ]
        if self.fmt == "parquet":
            names = list(dict.fromkeys(s for s in self.sources if s is not None))
            read = _parquet_batches(self.path, self.rel_path, rows, names)
        else:
            read = _csv_batches(self.path, self.rel_path, rows)
        for batch in read:
            yield batch.select(columns)

    @property
    def frame(self) -> pl.DataFrame:
        """Every row at once (a small file; the loader reads batches)."""
        frames = list(self.batches())
        if not frames:
            return pl.DataFrame(schema=dict.fromkeys(self.expected, pl.String))
        return pl.concat(frames)


def read_landing_file(
    path: Path, rel_path: str, fmt: str, expected: tuple[str, ...], optional: tuple[str, ...] = ()
) -> ReadFile:
    """The file, its header checked; its rows (strings, exactly the `expected` columns in order)
    come from `batches()`.

    Header names are matched ignoring case and surrounding spaces; extra columns are dropped and
    returned by name; an `optional` column missing from the header is empty (SPEC 6: campaign
    names, time zones, impressions, clicks); any other missing column rejects the file, naming it.
    """
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
