"""A full disk, said in one line: which directory, how much is free, what to do.

DuckDB reports a full disk as an IOException ("No space left on device", or "Could not write all
bytes" when a write comes up short), Python as an OSError with errno 28; dbt prints DuckDB's
message in its log. Each becomes `disk full while <doing> into <directory> (N MB free): free space
and run again`, instead of the error that happened to surface last.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

NO_SPACE = "No space left on device"
SHORT_WRITE = "Could not write all bytes"
COULD_NOT_WRITE = "Could not write"
OTHER_WRITE_CAUSES = ("Permission denied", "Read-only file system")


class DiskFull(Exception):
    """The disk of the warehouse (or of a scratch copy) filled up; the message is one line."""


def says_disk_full(text: str) -> bool:
    """A message of DuckDB, dbt or the system that means the disk is full."""
    if NO_SPACE.lower() in text.lower() or SHORT_WRITE in text:
        return True
    return COULD_NOT_WRITE in text and not any(cause in text for cause in OTHER_WRITE_CAUSES)


def is_disk_full(exc: BaseException) -> bool:
    """`exc`, or an error it was raised from or during, is a full disk."""
    seen: set[int] = set()
    err: BaseException | None = exc
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, OSError) and err.errno == errno.ENOSPC:
            return True
        if says_disk_full(str(err)):
            return True
        err = err.__cause__ or err.__context__
    return False


def free_mb(directory: Path) -> int | None:
    """Free space in `directory` (its nearest existing parent), MB; None when it cannot be read."""
    place = Path(directory)
    while not place.exists() and place != place.parent:
        place = place.parent
    try:
        return shutil.disk_usage(place).free // 2**20
    except OSError:
        return None


def disk_full_line(doing: str, directory: Path, preposition: str = "into") -> str:
    """`disk full while loading F into DIR (N MB free): free space and run again`."""
    free = free_mb(directory)
    room = f"{free:,} MB free" if free is not None else "free space unknown"
    return f"disk full while {doing} {preposition} {directory} ({room}): free space and run again"
