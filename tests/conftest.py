"""Shared pytest set-up: progress lines off, repo root importable."""

import os

os.environ["REVWH_PROGRESS"] = "0"
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
