"""Find the files of a landing directory and say which table each belongs to.

Rules (SPEC section 1): in `contracting/`, `accounting/` and `fx/` a file belongs to the
table it is named like (`contracts.csv`) or whose name it starts with (`contracts_2026-03.csv`);
the longest table name wins, so `invoice_lines_x.csv` is never taken for `invoices`.
Every `.csv`/`.parquet` file in `ads/<platform>/` belongs to that platform's table.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ingest.contract import TABLES, LandedTable

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
        return candidates[0] if candidates else None
    best: LandedTable | None = None
    for table in candidates:
        name = table.name
        if stem == name or (stem.startswith(name) and stem[len(name)] in "_-. "):
            if best is None or len(name) > len(best.name):
                best = table
    return best


def discover(landing_dir: Path) -> tuple[list[LandingFile], list[UnrecognizedFile]]:
    """All landing files, sorted by path, and the files that belong to no table."""
    found: list[LandingFile] = []
    unknown: list[UnrecognizedFile] = []
    folders = sorted({t.folder for t in TABLES})
    for folder in folders:
        base = landing_dir / folder
        if not base.is_dir():
            continue
        for path in sorted(base.iterdir()):
            if path.name.startswith((".", "_")) or path.is_dir():
                continue
            rel = f"{folder}/{path.name}"
            if path.suffix.lower() not in SUFFIXES:
                unknown.append(UnrecognizedFile(rel, "not a .csv or .parquet file"))
                continue
            table = table_for(folder, path.name)
            if table is None:
                unknown.append(UnrecognizedFile(rel, f"matches no table of {folder}/"))
                continue
            found.append(LandingFile(table, rel, path, file_hash(path)))
    return found, unknown
