"""Bring the raw schema of the warehouse to the state the landing directory describes now.

Each file is recorded in `raw._files` with its content hash, load time and row count; a file
that belongs to no table is recorded too, with status `not_loaded` and the reason.
An unchanged file is skipped, a changed file replaces its rows, a removed file takes its
rows with it, and a rejected file is recorded with its one-line reason. Loading the same
directory twice therefore changes nothing. Restatement and "latest file wins" are
row-selection rules applied in staging (dbt), so raw keeps every landed row.

A file is read from a snapshot: it is copied, in blocks, to a scratch file while being hashed,
and its rows are read from that copy, so the hash recorded and the rows landed come from the
same bytes. A file whose copy differs from what discovery hashed, or whose size or mtime on
disk changed by the time its rows were read, was being written during the load: it is refused
with one line (`FileRejected`), never loaded half-written. A file still being written when the
run started (ingest/landing.py, `waiting`) is not loaded yet; a version of it loaded before
keeps its rows, its registry row noting why the new one waits.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb
import polars as pl

from ingest.contract import TABLES, LandedTable
from ingest.disk_full import DiskFull, disk_full_line, is_disk_full
from ingest.landing import LandingFile, UnrecognizedFile, discover
from ingest.reader import BATCH_ROWS, REPORT_LINE, FileRejected, ReadFile, read_landing_file

FILES_TABLE = "raw._files"
REGISTRY_COLUMNS = ("source_file, table_name, content_hash, loaded_at, row_count, status, error, blank_rows,"
                    " extra_columns, report_lines, report_lines_note")


INSERT_SLICE = BATCH_ROWS  # rows read from a file and handed to DuckDB at a time
COPY_BLOCK = 1 << 20  # bytes copied and hashed at a time: memory stays flat for a large file
KEPT_NOTE = "; its previous version stays loaded"


def changed_while_loading(rel_path: str) -> FileRejected:
    return FileRejected(f"{rel_path} changed while it was being loaded; it was not loaded:"
                        " run again when the export is complete")


def _unchanged_on_disk(lf: LandingFile) -> bool:
    try:
        now = lf.path.stat()
    except FileNotFoundError:
        return False
    return lf.size < 0 or (now.st_size, now.st_mtime_ns) == (lf.size, lf.mtime_ns)


def _snapshot(lf: LandingFile, scratch: Path) -> Path:
    """A copy of the file in `scratch`, checked against the hash discovery took of it."""
    copy = scratch / f"snapshot{lf.path.suffix.lower()}"
    digest = hashlib.sha256()
    try:
        with lf.path.open("rb") as src, copy.open("wb") as dst:
            for block in iter(lambda: src.read(COPY_BLOCK), b""):
                digest.update(block)
                dst.write(block)
    except FileNotFoundError:
        raise changed_while_loading(lf.rel_path) from None
    if digest.hexdigest() != lf.content_hash or not _unchanged_on_disk(lf):
        raise changed_while_loading(lf.rel_path)
    return copy


class LoadedFile(NamedTuple):
    table: str
    file: str
    rows: int


class FileRef(NamedTuple):
    """A file of a table that was skipped (unchanged) or removed."""

    table: str
    file: str


class RejectedFile(NamedTuple):
    table: str
    file: str
    reason: str


@dataclass
class LoadReport:
    """What one load did, for the run summary and the checks."""

    loaded: list[LoadedFile] = field(default_factory=list)
    skipped: list[FileRef] = field(default_factory=list)  # unchanged since the last load
    removed: list[FileRef] = field(default_factory=list)
    rejected: list[RejectedFile] = field(default_factory=list)
    unrecognized: list[UnrecognizedFile] = field(default_factory=list)
    # loaded files the published warehouse already held (the run started from an older generation)
    caught_up: set[str] = field(default_factory=set)

    def new_loads(self) -> list[LoadedFile]:
        """Loaded files the published warehouse did not already hold: what this run landed.
        Caught-up files were landed, gated and reported by the run that published them."""
        return [f for f in self.loaded if f.file not in self.caught_up]

    def rows_loaded(self, table: str) -> int:
        return sum(f.rows for f in self.new_loads() if f.table == table)

    def changed_tables(self) -> set[str]:
        """Tables whose content this load changed (loaded or removed files)."""
        return {f.table for f in self.loaded} | {f.table for f in self.removed}


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema, the file registry and one all-text table per landed table.

    `_row_number` is the row's line in its file as a spreadsheet shows it (the header is line 1,
    the first data row line 2; SPEC 6), so every message and `data_exceptions` name the line a
    person finds in Excel. Warehouses built before (whose registry has no `blank_rows`) numbered
    data rows from 1: their rows move down one line, once, with the columns that mark the change."""
    con.execute("create schema if not exists raw")
    con.execute(
        f"""create table if not exists {FILES_TABLE} (
            source_file varchar primary key, table_name varchar,
            content_hash varchar not null, loaded_at timestamp not null,
            row_count bigint not null, status varchar not null, error varchar)"""
    )
    # Warehouses built before files that belong to no table were recorded (status not_loaded).
    con.execute(f"alter table {FILES_TABLE} alter column table_name drop not null")
    for table in TABLES:
        cols = ", ".join(f'"{c}" varchar' for c in table.columns)
        con.execute(
            f"create table if not exists raw.{table.name} ({cols}, _source_file varchar not null,"
            " _row_number integer not null, _loaded_at timestamp not null)"
        )
        # A column the contract gained since the table was made (empty for the files already loaded).
        have = {r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ?",
            [table.name]).fetchall()}
        for c in table.columns:
            if c not in have:
                con.execute(f'alter table raw.{table.name} add column "{c}" varchar')
    numbered_by_line = con.execute(
        "select count(*) from information_schema.columns where table_schema = 'raw' and table_name = '_files'"
        " and column_name = 'blank_rows'").fetchone()[0]
    if not numbered_by_line:
        con.execute("begin transaction")
        for table in TABLES:
            con.execute(f"update raw.{table.name} set _row_number = _row_number + 1")
        # rows of all-empty cells the file had (not data: SPEC 6), and its columns beyond the contract
        con.execute(f"alter table {FILES_TABLE} add column blank_rows bigint default 0")
        con.execute(f"alter table {FILES_TABLE} add column extra_columns varchar")
        con.execute("commit")
    # lines of a platform report that are not data (a title before the header, totals, a copyright
    # footer): how many, and which (ReportLines.note)
    con.execute(f"alter table {FILES_TABLE} add column if not exists report_lines bigint default 0")
    con.execute(f"alter table {FILES_TABLE} add column if not exists report_lines_note varchar")


def _registry(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str, datetime]]:
    rows = con.execute(f"select source_file, content_hash, table_name, loaded_at from {FILES_TABLE}").fetchall()
    return {path: (digest, table, at) for path, digest, table, at in rows}


def _delete_file_rows(con: duckdb.DuckDBPyConnection, table: str, rel_path: str) -> None:
    con.execute(f"delete from raw.{table} where _source_file = ?", [rel_path])
    con.execute(f"delete from {FILES_TABLE} where source_file = ?", [rel_path])


class FileRows(NamedTuple):
    """What one file put into raw."""

    rows: int  # data rows landed
    blank_rows: int  # rows whose every cell is empty: not data, not landed (SPEC 6)
    extra_columns: tuple[str, ...]  # header columns the contract does not have: ignored
    report_lines: int = 0  # a platform report's lines that are not data: skipped, listed in the note
    report_lines_note: str | None = None


# Report lines after the header are listed by line and first cell, up to this many; the rest counted.
REPORT_LINES_LISTED = 5


@dataclass
class ReportLines:
    """A platform export's lines that are not data: those before its header (a report title, a date
    range) and rows whose first cell marks a total or a copyright footer. Never landed, never
    quarantined: counted in `raw._files.report_lines` and listed in `report_lines_note` (landing_audit
    and the run summary show both), so nothing leaves the file unseen."""

    before_header: int = 0
    after: list[tuple[int, str]] = field(default_factory=list)  # (line, first cell)

    @property
    def count(self) -> int:
        return self.before_header + len(self.after)

    def note(self) -> str | None:
        parts = []
        if self.before_header:
            span = "line 1" if self.before_header == 1 else f"lines 1-{self.before_header}"
            parts.append(f"{span} before the header")
        listed = [f"line {n} ({text.strip()[:40].strip()})" for n, text in self.after[:REPORT_LINES_LISTED]]
        if len(self.after) > REPORT_LINES_LISTED:
            listed.append(f"{len(self.after) - REPORT_LINES_LISTED} more")
        parts += listed
        return "; ".join(parts) or None


def _load_file(
    con: duckdb.DuckDBPyConnection, lf: LandingFile, loaded_at: datetime, scratch: Path
) -> FileRows:
    table: LandedTable = lf.table
    copy = _snapshot(lf, scratch)
    try:
        read = read_landing_file(copy, lf.rel_path, lf.format, table.columns, table.optional_columns,
                                 table=table, file_time=_file_time(lf))
        report = ReportLines(before_header=read.report_lines_before)
        try:
            rows, blanks = _insert_batches(con, lf, read, loaded_at, report)
            # Rows from a consistent copy may still be an export cut short: the file must not have
            # moved on while it was copied and read (checked before the load commits).
            if not _unchanged_on_disk(lf):
                raise changed_while_loading(lf.rel_path)
        except FileRejected:
            # refused after some of its batches went in (a damaged row group, an unclosed quote
            # further down): none of its rows stay (its previous version's were deleted before)
            con.execute(f"delete from raw.{table.name} where _source_file = ?", [lf.rel_path])
            raise
    finally:
        copy.unlink(missing_ok=True)
    return FileRows(rows, blanks, read.extra_columns, report.count, report.note())


def _file_time(lf: LandingFile) -> datetime:
    """The file's modification time, UTC: what stands for the extraction time of an export that has
    none (a platform UI download is saved when it is exported). The time discovery saw, else the disk's."""
    ns = lf.mtime_ns if lf.mtime_ns >= 0 else lf.path.stat().st_mtime_ns
    return datetime.fromtimestamp(ns / 1e9, tz=UTC)


def _insert_batches(
    con: duckdb.DuckDBPyConnection, lf: LandingFile, read: ReadFile, loaded_at: datetime,
    report: ReportLines | None = None,
) -> tuple[int, int]:
    """Hand the file to DuckDB INSERT_SLICE rows at a time, as they are read: memory follows the
    slice, not the file. The rows landed and the blank rows left out; a platform report's total and
    footer lines go to `report`."""
    table: LandedTable = lf.table
    cols = ", ".join(f'"{c}"' for c in table.columns)
    # A row is blank when every cell the file has is empty or spaces (a trailing empty line, a spacer
    # row); a column the loader fills (ReadFile.fills) is not the file's.
    read_cols = [c for c, s in zip(table.columns, read.sources, strict=True) if s is not None]
    blank = pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in read_cols)
    rows = blanks = 0
    # The line number is attached before DuckDB sees the rows and before blank rows are dropped, so
    # it is the file's own line as a spreadsheet shows it: the header is line 1 (or the line it is on,
    # after a report's title lines), the first row the line after it (a value spanning lines inside
    # quotes shifts the lines after it; Parquet counts as if exported). It runs on across the slices:
    # the first row of a slice is the line after the last of the one before.
    line = read.header_line + 1
    for batch in read.batches(INSERT_SLICE):
        part = batch.with_row_index("_row_number", offset=line)
        line += batch.height
        if REPORT_LINE in part.columns:  # a platform report's total or footer lines: not data
            marked = part.filter(pl.col(REPORT_LINE).is_not_null())
            if report is not None:
                report.after += list(zip(marked["_row_number"].to_list(), marked[REPORT_LINE].to_list(), strict=True))
            part = part.filter(pl.col(REPORT_LINE).is_null()).drop(REPORT_LINE)
        data = part.filter(~blank)
        blanks += part.height - data.height
        rows += data.height
        arrow = data.rechunk().to_arrow()  # noqa: F841 (used in SQL; one chunk: DuckDB scans it faster)
        con.execute(
            f"insert into raw.{table.name} ({cols}, _source_file, _row_number, _loaded_at)"
            f" select {cols}, ?, _row_number::integer, ? from arrow",
            [lf.rel_path, loaded_at],
        )
        del part, data, arrow
    return rows, blanks


def load_landing(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    *,
    loaded_at: datetime,
    progress: Callable[[str], None] | None = None,
    discovered: tuple[list[LandingFile], list[UnrecognizedFile]] | None = None,
    earlier_loads: Mapping[str, tuple[str, datetime]] | None = None,
    scratch_dir: Path | None = None,
) -> LoadReport:
    """Load every new or changed file of `landing_dir` into raw; drop rows of removed files.

    `discovered` is `discover(landing_dir)` when the caller already listed and hashed the files.
    `earlier_loads` (source_file -> (content_hash, loaded_at)) is given when the run starts from an
    older generation of the published warehouse (orchestration/run/working_copy.py): it is the
    published warehouse's registry, and the load is made to give what loading onto a copy of the
    published warehouse would. A file the published warehouse holds with the same bytes keeps the
    time it first entered the warehouse; the working file's own registry counts as unchanged only
    what the published one holds identically (a file changed last night and changed back tonight
    is loaded again, with tonight's time, as on a copy). None: the working file's registry is
    the published warehouse's (a copy, or the first run). A file still being written keeps a
    version loaded before only when that version is the published warehouse's too: given an
    older generation that holds another version of it, the caller must start from a copy
    (orchestration/pipeline/landing_assets.py does). `scratch_dir` holds the snapshots of the files being
    read (the system's temporary directory when None)."""
    earlier = earlier_loads if earlier_loads is not None else {}

    def earlier_time(lf: LandingFile) -> datetime | None:
        known = earlier.get(lf.rel_path)
        return known[1] if known is not None and known[0] == lf.content_hash else None

    def unchanged(lf: LandingFile, known: tuple[str, str, datetime] | None) -> bool:
        if known is None or known[0] != lf.content_hash:
            return False
        return earlier_loads is None or earlier.get(lf.rel_path) == (known[0], known[2])

    ensure_raw_schema(con)
    files, unknown = discovered if discovered is not None else discover(landing_dir)
    report = LoadReport(unrecognized=unknown)
    waiting = {item.rel_path for item in unknown if item.waiting}
    present = {lf.rel_path for lf in files} | waiting  # a file still being written is not removed
    scratch = tempfile.TemporaryDirectory(prefix="revwh-snapshot-", dir=scratch_dir)
    loading = "the landing files"  # what a full disk interrupted: a file while its rows go in
    con.execute("begin transaction")
    try:
        # Files that belong to no table are re-listed from scratch on every load, and so are the
        # notes on loaded files whose new version was still being written.
        con.execute(f"delete from {FILES_TABLE} where status = 'not_loaded'")
        con.execute(f"update {FILES_TABLE} set error = null where status = 'loaded' and error is not null")
        registry = _registry(con)
        for rel_path, (_digest, table, _at) in sorted(registry.items()):
            if rel_path not in present:
                _delete_file_rows(con, table, rel_path)
                if earlier_loads is None or rel_path in earlier:  # else removed by last night's run
                    report.removed.append(FileRef(table, rel_path))
        for i, lf in enumerate(files, 1):
            known = registry.get(lf.rel_path)
            if unchanged(lf, known):
                status, error = con.execute(
                    f"select status, error from {FILES_TABLE} where source_file = ?",
                    [lf.rel_path],
                ).fetchone()
                if status == "rejected":
                    report.rejected.append(RejectedFile(lf.table.name, lf.rel_path, error))
                else:
                    report.skipped.append(FileRef(lf.table.name, lf.rel_path))
                continue
            if known:
                _delete_file_rows(con, known[1], lf.rel_path)
            if progress:
                progress(f"loading {lf.rel_path} ({i}/{len(files)})")
            at = earlier_time(lf)
            if at is None:
                at = loaded_at
            else:
                report.caught_up.add(lf.rel_path)
            loading = lf.rel_path
            try:
                got = _load_file(con, lf, at, Path(scratch.name))
                status, error = "loaded", None
                report.loaded.append(LoadedFile(lf.table.name, lf.rel_path, got.rows))
            except FileRejected as exc:
                got, status, error = FileRows(0, 0, ()), "rejected", str(exc)
                report.rejected.append(RejectedFile(lf.table.name, lf.rel_path, error))
            loading = "the landing files"
            con.execute(
                f"insert into {FILES_TABLE} ({REGISTRY_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [lf.rel_path, lf.table.name, lf.content_hash, at, got.rows, status, error, got.blank_rows,
                 ", ".join(got.extra_columns) or None, got.report_lines, got.report_lines_note],
            )
        for item in unknown:
            known = registry.get(item.rel_path)
            if item.waiting and known is not None:
                if _keep_while_written(con, item, known, earlier_loads):
                    continue
                _delete_file_rows(con, known[1], item.rel_path)  # nothing of it to keep
            con.execute(
                f"insert into {FILES_TABLE} ({REGISTRY_COLUMNS})"
                " values (?, null, ?, ?, 0, 'not_loaded', ?, 0, null, 0, null)",
                [item.rel_path, item.content_hash, loaded_at, item.reason],
            )
        con.execute("commit")
    except BaseException as exc:
        _rollback(con, exc)
        if isinstance(exc, Exception) and is_disk_full(exc):
            # the snapshot copy (a Python write) fills the scratch folder; DuckDB, the warehouse's
            where = Path(scratch.name).parent if isinstance(exc, OSError) else _database_dir(con, scratch)
            raise DiskFull(disk_full_line(f"loading {loading}", where)) from exc
        raise
    finally:
        scratch.cleanup()
    return report


def _rollback(con: duckdb.DuckDBPyConnection, exc: BaseException) -> None:
    """Undo the load after `exc`, which stays the error raised: DuckDB may have ended the
    transaction itself (a full disk invalidates it), and "cannot rollback - no transaction is
    active" would hide why the load stopped."""
    try:
        con.execute("rollback")
    except duckdb.Error as failed:
        text = str(failed).strip()
        exc.add_note(f"(the rollback failed too: {text.splitlines()[0] if text else type(failed).__name__})")


def _database_dir(con: duckdb.DuckDBPyConnection, scratch: tempfile.TemporaryDirectory) -> Path:
    """The directory of the warehouse file `con` writes (where DuckDB also spills); the scratch
    folder's for a database in memory, or when DuckDB no longer answers."""
    try:
        row = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    except duckdb.Error:
        row = None
    if row and row[0]:
        return Path(row[0]).resolve().parent
    return Path(scratch.name).parent


def _keep_while_written(
    con: duckdb.DuckDBPyConnection,
    item: UnrecognizedFile,
    known: tuple[str, str, datetime],
    earlier_loads: Mapping[str, tuple[str, datetime]] | None,
) -> bool:
    """Keep the loaded version of a file whose new version is still being written, noting why in
    its registry row (the run summary and `data_exceptions` list it); False when there is no
    loaded version to keep (it had been rejected, or the published warehouse does not hold it)."""
    status = con.execute(f"select status from {FILES_TABLE} where source_file = ?", [item.rel_path]).fetchone()[0]
    published = None if earlier_loads is None else earlier_loads.get(item.rel_path)
    if earlier_loads is not None and published is not None and published != (known[0], known[2]):
        raise RuntimeError(f"{item.rel_path} is still being written and the working file holds another version of"
                           " it than the published warehouse: start the run from a copy of the published warehouse")
    if status != "loaded" or (earlier_loads is not None and published is None):
        return False
    con.execute(f"update {FILES_TABLE} set error = ? where source_file = ?", [item.reason + KEPT_NOTE, item.rel_path])
    return True
