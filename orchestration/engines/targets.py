"""The engines a run builds and publishes the marts on (docs/engines.md).

A module of its own, importing nothing, so the command line can list them without importing
Dagster (`revwh --help` stays light)."""

TARGETS = ("duckdb", "postgres", "spark")
