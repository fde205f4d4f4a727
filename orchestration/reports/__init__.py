"""What the billing team hands on: workbooks written from the published warehouse.

`write_reports` (workbook.py) is the one implementation; the Dagster asset `billing_reports`
(assets.py) calls it after every nightly publish and `revwh report` (commands/report.py) on demand.
The import is lazy so that `revwh --help`, which builds the parser through commands/, stays instant.
"""

from __future__ import annotations

from typing import Any

__all__ = ["write_reports"]


def __getattr__(name: str) -> Any:
    if name == "write_reports":
        from orchestration.reports.workbook import write_reports

        return write_reports
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
