"""Read one landing file into a frame of strings, or say in one line why it can't be read.

Everything stays text here: typing is staging's job (dbt), so a bad value becomes a
quarantined row with its reason instead of a crash, and the raw layer keeps what was sent.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import NamedTuple

import polars as pl


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


def _read_csv(path: Path, rel_path: str) -> pl.DataFrame:
    if not _check_utf8(path, rel_path):
        raise FileRejected(f"{rel_path}: empty file (expected a header row)")
    try:
        # From the path (polars skips a UTF-8 byte-order mark as decode("utf-8-sig") did).
        return pl.read_csv(path, infer_schema=False, has_header=True)
    except (pl.exceptions.PolarsError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FileRejected(f"{rel_path}: not a readable CSV file ({first[:160]})") from None


def _read_parquet(path: Path, rel_path: str) -> pl.DataFrame:
    if path.stat().st_size == 0:
        raise FileRejected(f"{rel_path}: empty file (expected a Parquet file)")
    try:
        frame = pl.read_parquet(path)
    except Exception:  # polars/arrow raise many types for a damaged file
        raise FileRejected(
            f"{rel_path}: not a valid Parquet file (truncated or damaged)"
        ) from None
    return frame.with_columns(pl.all().cast(pl.String))


class ReadFile(NamedTuple):
    """A landing file's rows (strings, the expected columns in order) and what its header had beyond them."""

    frame: pl.DataFrame
    extra_columns: tuple[str, ...]  # in the file, not in the contract: ignored (SPEC 6), listed in the summary


def read_landing_file(
    path: Path, rel_path: str, fmt: str, expected: tuple[str, ...], optional: tuple[str, ...] = ()
) -> ReadFile:
    """The file's rows as strings, with exactly the `expected` columns in order.

    Header names are matched ignoring case and surrounding spaces; extra columns are dropped and
    returned by name; an `optional` column missing from the header is empty (SPEC 6: campaign
    names, time zones, impressions, clicks); any other missing column rejects the file, naming it.
    """
    frame = _read_parquet(path, rel_path) if fmt == "parquet" else _read_csv(path, rel_path)
    by_key = {str(c).strip().lower(): c for c in frame.columns}
    known = {c.lower() for c in expected}
    extra = tuple(str(c) for c in frame.columns if str(c).strip().lower() not in known)
    may_lack = {c.lower() for c in optional}
    missing = [c for c in expected if c.lower() not in by_key and c.lower() not in may_lack]
    if missing:
        hint = f"; found unexpected column(s) {', '.join(extra)}" if extra else ""
        raise FileRejected(
            f"{rel_path}: missing column(s) {', '.join(missing)}{hint}"
            f" (expected: {', '.join(expected)})"
        )
    columns = [
        pl.col(by_key[c.lower()]).alias(c) if c.lower() in by_key else pl.lit(None, dtype=pl.String).alias(c)
        for c in expected
    ]
    return ReadFile(frame.select(columns), extra)
