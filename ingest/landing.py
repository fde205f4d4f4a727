"""Find the files of a landing directory and say which table each belongs to.

Rules (SPEC section 1 and its amendments): in `contracting/`, `accounting/` and `fx/` a file
belongs to the table whose name it starts with, the longest such name winning
(`invoice_lines_x.csv` is never taken for `invoices`; `contracts2026-03.csv` is `contracts`).
In `ads/<platform>/` every `.csv`/`.parquet` file belongs to that platform's table, except a
pull-coverage file (`<pull>.coverage.csv`), which belongs to `ad_coverage`.
Every other file anywhere under the landing directory is reported as not loaded, with the
reason: nothing is ignored without a trace.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ingest.contract import COVERAGE_SUFFIX, TABLES, TABLES_BY_NAME, LandedTable

SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True)
class LandingFile:
    """A file found in the landing directory."""

    table: LandedTable
    rel_path: str  # relative to the landing dir, with forward slashes: the file's identity
    path: Path
    content_hash: str

    @property
    def format(self) -> str:
        return "parquet" if self.path.suffix.lower() == ".parquet" else "csv"


@dataclass(frozen=True)
class UnrecognizedFile:
    """A file in the landing directory that belongs to no table; reported, never loaded."""

    rel_path: str
    reason: str


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


def discover(landing_dir: Path) -> tuple[list[LandingFile], list[UnrecognizedFile]]:
    """All landing files, sorted by path, and every other file under the landing directory."""
    found: list[LandingFile] = []
    unknown: list[UnrecognizedFile] = []
    for path in sorted(p for p in landing_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(landing_dir).as_posix()
        folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
        reason = _not_loaded_reason(rel, folder, path)
        if reason is not None:
            unknown.append(UnrecognizedFile(rel, reason))
            continue
        table = table_for(folder, path.name)
        assert table is not None
        found.append(LandingFile(table, rel, path, file_hash(path)))
    return found, unknown
