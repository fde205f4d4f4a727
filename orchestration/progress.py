"""Progress lines for long steps, shown by the CLI (stderr) and silent elsewhere.

Dagster's own console logging is turned down for CLI runs, so the user sees a few short lines
instead of an event stream; in the UI the same steps log through context.log.
"""

from __future__ import annotations

import os
import sys

ENV = "REVWH_PROGRESS"


def enabled() -> bool:
    return os.environ.get(ENV) == "1"


def report(message: str) -> None:
    if enabled():
        print(f"  … {message}", file=sys.stderr, flush=True)
