"""Write a report file so that nobody ever opens it half-written.

The file is written beside its final name (a hidden `.<name>.partial`) and renamed into place;
os.replace is atomic on one file system, so a reader, or a mail job picking up the reports
folder, sees the previous file or the new one. A failed write leaves no partial file behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Call `write(partial)` and rename the partial file onto `path`; return `path`."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
