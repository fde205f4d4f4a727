"""A problem the landing gate reports for a raw table, as plain data.

The checks that find them (the expectation suites, run/quality.py; the shrink guard,
run/guards.py) run outside Dagster; only orchestration/pipeline/gates.py turns them into
Dagster asset-check results. Keeping the type here lets run/ stay free of pipeline/.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class GateFinding:
    """One problem found for a raw table: error blocks, warning is shown only."""

    severity: str  # "error" | "warning"
    message: str  # one line: file, row, column, what was expected
    count: int = 1
    examples: list[str] = field(default_factory=list)
