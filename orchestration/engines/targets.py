"""The engines a run builds and publishes the marts on (docs/engines.md), and the choice of one.

TARGETS imports nothing, so the command line can list them without importing Dagster (`revwh
--help` stays light); `engine_for` imports the chosen engine only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestration.engines.base import Engine

TARGETS = ("duckdb", "postgres", "spark")
DEFAULT_TARGET = TARGETS[0]  # orchestration/settings.py says the same


def engine_for(target: str, published: Path) -> Engine:
    """The Engine for a `--target` value, over the warehouse file `published` (on PostgreSQL and
    Spark: the landing store)."""
    if target == "postgres":
        from orchestration.engines.postgres.engine import PostgresEngine

        return PostgresEngine(published)
    if target == "spark":
        from orchestration.engines.spark.engine import SparkEngine

        return SparkEngine(published)
    if target == "duckdb":
        from orchestration.engines.duckdb import DuckDBEngine

        return DuckDBEngine(published)
    raise ValueError(f"unknown target {target!r}: expected one of {', '.join(TARGETS)}")
