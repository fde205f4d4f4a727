"""Shared pytest set-up: progress lines off, repo root importable, a private Dagster instance.

Runs record themselves in the persistent Dagster instance of DAGSTER_HOME (orchestration/
instance.py); tests get a fresh one per session so they never write into the project's
.dagster_home/ that `revwh ui` shows.
"""

import os
import tempfile

os.environ["REVWH_PROGRESS"] = "0"
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ["DAGSTER_HOME"] = tempfile.mkdtemp(prefix="revwh-test-dagster-")
