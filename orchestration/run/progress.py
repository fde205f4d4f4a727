"""Progress lines for long steps, shown by the CLI (stderr) and silent elsewhere.

Dagster's own console logging is turned down for CLI runs, so the user sees a few short lines
instead of an event stream; in the UI the same steps log through context.log.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

ENV = "REVWH_PROGRESS"
_stream: TextIO | None = None  # where progress goes while the runner keeps fd 2 for child processes


def enabled() -> bool:
    return os.environ.get(ENV) == "1"


def use_stream(stream: TextIO | None) -> None:
    """Send progress lines to `stream` (None: back to sys.stderr)."""
    global _stream
    _stream = stream


def report(message: str) -> None:
    if enabled():
        print(f"  … {message}", file=_stream or sys.stderr, flush=True)
