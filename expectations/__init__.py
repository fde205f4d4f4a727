"""The Great Expectations gate on the rows each run lands (see README.md here).

Importing this package (or runner, cross_checks, build_suites) does not import
great_expectations, which takes seconds: the CLI and the Dagster code location import this at
start-up, and GX is imported on the first `validate_batch` call instead.
"""

from expectations.results import BatchResult, Failure
from expectations.runner import validate_batch

__all__ = ["BatchResult", "Failure", "validate_batch"]
