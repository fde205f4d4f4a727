"""Find the files of a landing directory and say which table each belongs to.

Rules (SPEC section 1 and its amendments): in `contracting/`, `accounting/` and `fx/` a file
belongs to the table whose name it starts with, the longest such name winning
(`invoice_lines_x.csv` is never taken for `invoices`; `contracts2026-03.csv` is `contracts`).
In `ads/<platform>/` every `.csv`/`.parquet` file belongs to that platform's table, except a
pull-coverage file (`<pull>.coverage.csv`), which belongs to `ad_coverage`.
Every other file anywhere under the landing directory is reported as not loaded, with the
reason: nothing is ignored without a trace, except revwh's own state folder `.revwh/` at the
top of the landing directory (STATE_FOLDER: connector state such as the QuickBooks cursor).
Reported too, until the next run: a file modified within the last `settle_seconds` (an export
still being written: a version loaded before stays loaded),
and a link (file or folder) that resolves outside the landing directory: it is never followed,
so nothing outside the directory is read, hashed or quoted in a message.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from ingest.contract import COVERAGE_SUFFIX, TABLES, TABLES_BY_NAME, LandedTable

SUFFIXES = (".csv", ".parquet")
# A file modified this recently is still being written (a copy or an export in progress): not
# loaded yet. The landing sensor waits as long before starting a run (orchestration/pipeline/sensors.py);
# a run's own wait is RevwhSettings.settle_seconds (REVWH_SETTLE_SECONDS).
DEFAULT_SETTLE_SECONDS = 30
# A top-level folder of the landing directory where revwh's connectors keep their own state
# (the QuickBooks connector's last pull and document set): skipped by discovery, never reported.
STATE_FOLDER = ".revwh"
LINK_OUTSIDE = "a link to a {what} outside the landing directory: not loaded; copy the file in instead"


@dataclass(frozen=True)
class LandingFile:
    """A file found in the landing directory."""

    table: LandedTable
    rel_path: str  # relative to the landing dir, with forward slashes: the file's identity
    path: Path
    content_hash: str
    # the file's size and mtime when it was hashed: the loader refuses it if they changed since
    size: int = -1
    mtime_ns: int = -1

    @property
    def format(self) -> str:
        return "parquet" if self.path.suffix.lower() == ".parquet" else "csv"


@dataclass(frozen=True)
class UnrecognizedFile:
    """A file in the landing directory that belongs to no table; reported, never loaded."""

    rel_path: str
    reason: str
    content_hash: str = ""  # empty for a link not followed and for a file still being written
    # still being written: a version of it loaded before stays loaded (ingest/loader.py)
    waiting: bool = False


def file_hash(path: Path) -> str:
    """SHA-256 of the file's bytes: a changed file is reloaded, an unchanged one skipped."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_for(folder: str, filename: str) -> LandedTable | None:
    """The table a file in `folder` named `filename` belongs to, or None."""
    stem = filename.rsplit(".", 1)[0].lower()
    candidates = [t for t in TABLES if t.folder == folder]
    if folder.startswith("ads/"):
        if not candidates:
            return None
        return TABLES_BY_NAME["ad_coverage"] if stem.endswith(COVERAGE_SUFFIX) else candidates[0]
    matching = [t for t in candidates if stem.startswith(t.name)]
    return max(matching, key=lambda t: len(t.name), default=None)


LANDING_FOLDERS = sorted({t.folder for t in TABLES if t.folder != "ads"})


def _not_loaded_reason(rel: str, folder: str, path: Path) -> str | None:
    """Why a file is not loaded, or None when it belongs to a table."""
    if folder not in LANDING_FOLDERS:
        return (f"not in a landing folder (expected {', '.join(LANDING_FOLDERS)});"
                " move it into the folder of its table")
    if path.suffix.lower() not in SUFFIXES:
        return "not a .csv or .parquet file"
    if table_for(folder, path.name) is None:
        names = ", ".join(t.name for t in TABLES if t.folder == folder)
        return f"its name starts with no table name of {folder}/ (expected one of: {names})"
    return None


def landing_entries(landing_dir: Path) -> list[Path]:
    """Every file and every link under `landing_dir`, sorted; links to folders are not descended
    into (a link out would read outside the directory, a link in would list files twice)."""
    found: list[Path] = []
    for folder, dirs, names in os.walk(landing_dir, followlinks=False):
        base = Path(folder)
        if base == landing_dir and STATE_FOLDER in dirs:
            dirs.remove(STATE_FOLDER)  # revwh's own state (connector cursors), not landed data
        found += [base / d for d in dirs if (base / d).is_symlink()]
        found += [p for p in (base / n for n in names) if p.is_symlink() or p.is_file()]
    return sorted(found)


def link_reason(path: Path, root: Path) -> str | None:
    """Why a link is not followed, or None for a link to a file inside the landing directory."""
    target = path.resolve()
    if not target.is_relative_to(root):
        return LINK_OUTSIDE.format(what="folder" if target.is_dir() else "file")
    if target.is_dir():
        return "a link to a folder of the landing directory: not followed (its files are loaded where they are)"
    if not target.is_file():
        return "a link to nothing (its target does not exist): not loaded"
    return None


def discover(
    landing_dir: Path, *, settle_seconds: float = 0, now: float | None = None
) -> tuple[list[LandingFile], list[UnrecognizedFile]]:
    """All landing files, sorted by path, and every other file under the landing directory.

    A file of a table modified less than `settle_seconds` before `now` (or while it was being
    hashed) is listed among the others, `waiting`, with the reason."""
    root = landing_dir.resolve()
    now = time.time() if now is None else now
    found: list[LandingFile] = []
    unknown: list[UnrecognizedFile] = []
    for path in landing_entries(landing_dir):
        rel = path.relative_to(landing_dir).as_posix()
        try:
            reason = link_reason(path, root) if path.is_symlink() else None
            if reason is not None:
                unknown.append(UnrecognizedFile(rel, reason))
                continue
            folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
            reason = _not_loaded_reason(rel, folder, path)
            if reason is not None:
                unknown.append(UnrecognizedFile(rel, reason, file_hash(path)))
                continue
            before = path.stat()
            age = now - before.st_mtime
            if abs(age) < settle_seconds:
                unknown.append(UnrecognizedFile(
                    rel, f"still being written (modified {max(age, 0):.0f}s ago): waits for the next run",
                    waiting=True))
                continue
            digest = file_hash(path)
            after = path.stat()
        except FileNotFoundError:  # removed or renamed while listed: not there
            continue
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            unknown.append(UnrecognizedFile(
                rel, "still being written (it changed while it was being listed): waits for the next run",
                waiting=True))
            continue
        table = table_for(folder, path.name)
        assert table is not None
        found.append(LandingFile(table, rel, path, digest, after.st_size, after.st_mtime_ns))
    return found, unknown
