"""The expectation gate on the rows each run lands (see README.md here).

The suites are Great Expectations JSON; the gate evaluates them inside DuckDB
(sql_engine.py), so neither the CLI, the Dagster code location nor a run imports
great_expectations (the tests do, to prove GX and the engine agree).
"""

from expectations.results import BatchResult, Failure
from expectations.runner import validate_batch, validate_landed

__all__ = ["BatchResult", "Failure", "validate_batch", "validate_landed"]
