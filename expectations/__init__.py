"""Great Expectations suites that gate each run (see README.md here).

Importing this package does not import great_expectations (seconds of start-up): the runner
imports it on first use.
"""
