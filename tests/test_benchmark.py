"""`make bench` at a tiny size: the benchmark runs end to end, the bound agrees with revwh, and
the nightly figure it reports is the steady state (the second night, on the previous generation).

Measurement only stays out of the test command; this checks the harness, not the times.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_runs_at_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run_bench.py"), "--sizes", "20", "--work", str(tmp_path / "work"),
         "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    (size,) = json.loads((out / "results.json").read_text())["sizes"]
    assert size["dealers"] == 20 and size["landed_rows"] > 1000
    assert size["limit_agrees"] is True  # bench/limit.sql and revwh give the same three marts
    # the first run starts empty; the first night copies (no previous generation kept yet); the
    # second night works on the previous generation; the re-run finds nothing new
    assert [size[run]["working_file"] for run in ("first", "nightly_copy", "nightly", "rerun")] == [
        None, "copy", "previous generation", None]
    assert "working file" in size["nightly"]["steps_s"] and "dbt + publish" in size["nightly"]["steps_s"]
    assert "dbt + publish" not in size["rerun"]["steps_s"]
    # the second night landed that night's pull files
    assert any(f.startswith("ads/google_ads/") for f in size["nightly_files"])
    # the table a user reads
    assert "| 20 | " in proc.stdout and "Targets at 20 dealers" in proc.stdout
