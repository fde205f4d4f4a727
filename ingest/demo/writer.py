"""Write landing files with exactly the SPEC columns, and count their rows.

Columns come from ingest.contract (the one statement of the landing contract), so the demo
cannot drift from what the loader expects.
Large files are written row by row (CSV) or in row groups (Parquet), so 3000 dealers' worth of
spend never sits in memory at once.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.contract import TABLES_BY_NAME

Row = Sequence[object]
PARQUET_ROW_GROUP = 200_000


class LandingWriter:
    """Creates files under the landing root and records {relative path: data rows}."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.counts: dict[str, int] = {}

    def _path(self, table: str, name: str | None, suffix: str) -> tuple[Path, str]:
        folder = TABLES_BY_NAME[table].folder
        path = self.root / folder / (name or f"{table}.{suffix}")
        path.parent.mkdir(parents=True, exist_ok=True)
        return path, f"{folder}/{path.name}"

    def csv(self, table: str, rows: Iterable[Row], name: str | None = None) -> None:
        """Write a whole CSV file (UTF-8, header row, \\n line ends; None becomes empty)."""
        with self.open_csv(table, name) as out:
            for row in rows:
                out.write(row)

    def open_csv(self, table: str, name: str | None = None) -> CsvStream:
        """A CSV file to append rows to, for tables too large to build as a list."""
        path, rel = self._path(table, name, "csv")
        return CsvStream(self, path, rel, TABLES_BY_NAME[table].columns)

    def open_coverage(self, table: str, name: str) -> CsvStream:
        """A pull's coverage file (`<pull>.coverage.csv`, table ad_coverage) beside the pull in its
        platform's folder: one row per account the pull asked for, with its window and extracted_at."""
        path, rel = self._path(table, name, "csv")
        return CsvStream(self, path, rel, TABLES_BY_NAME["ad_coverage"].columns)

    def open_parquet(self, table: str, name: str, types: dict[str, pa.DataType]) -> ParquetStream:
        """A Parquet file written in row groups; columns not in `types` are strings."""
        path, rel = self._path(table, name, "parquet")
        columns = TABLES_BY_NAME[table].columns
        schema = pa.schema([(c, types.get(c, pa.string())) for c in columns])
        return ParquetStream(self, path, rel, schema)


class CsvStream:
    """An open landing CSV file; counts rows and registers the count when closed."""

    def __init__(self, owner: LandingWriter, path: Path, rel: str, columns: Sequence[str]) -> None:
        self.owner, self.rel, self.rows = owner, rel, 0
        self._fh: IO[str] = path.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._fh, lineterminator="\n")
        self._csv.writerow(columns)

    def write(self, row: Row) -> None:
        """Append one row (the csv module writes None as an empty field)."""
        self._csv.writerow(row)
        self.rows += 1

    def close(self) -> None:
        """Flush the file and record its row count."""
        self._fh.close()
        self.owner.counts[self.rel] = self.rows

    def __enter__(self) -> CsvStream:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class ParquetStream:
    """An open landing Parquet file buffering one row group of column values at a time."""

    def __init__(self, owner: LandingWriter, path: Path, rel: str, schema: pa.Schema) -> None:
        self.owner, self.rel, self.rows, self.schema = owner, rel, 0, schema
        self._writer = pq.ParquetWriter(path, schema, compression="zstd")
        self._buffer: list[Row] = []

    def write(self, row: Row) -> None:
        """Append one row; a full row group is flushed to disk."""
        self._buffer.append(row)
        self.rows += 1
        if len(self._buffer) >= PARQUET_ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            columns = zip(*self._buffer, strict=True)
            arrays = [pa.array(col, type=field.type) for col, field in zip(columns, self.schema, strict=True)]
            self._writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
            self._buffer = []

    def close(self) -> None:
        """Write the last row group, close the file and record its row count."""
        self._flush()
        self._writer.close()
        self.owner.counts[self.rel] = self.rows

    def __enter__(self) -> ParquetStream:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
