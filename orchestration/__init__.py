"""Dagster definitions and the `revwh` command line, which runs the same job in-process."""
