"""Benchmark the pipeline on generated landing directories of growing size.

Reports, per size: rows landed, wall time of a first run, of a second run on unchanged files
(which should skip loading), and of a run after one more nightly re-pull, with ratios between
sizes so scaling is visible. Figures go to stdout and bench/out/results.json. Nothing here
asserts on time: this is measurement, not a test.

    .venv/bin/python bench/run_bench.py --sizes 50 300 1000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.demo import generate_landing  # noqa: E402
from orchestration.cli import run_pipeline  # noqa: E402
from tests.landing_builder import query  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_size(size: int, as_of: date, work: Path) -> dict[str, float | int]:
    landing, wh = work / f"landing_{size}", work / f"revwh_{size}.duckdb"
    shutil.rmtree(landing, ignore_errors=True)
    wh.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    t_gen = _timed(lambda: counts.update(generate_landing(landing, as_of=as_of, size=size, seed=7)))

    def run() -> None:
        outcome = run_pipeline(landing, wh, as_of.isoformat())
        if not outcome.success:
            raise SystemExit("run failed: " + "; ".join(outcome.failures))

    t_first = _timed(run)
    t_second = _timed(run)
    spend_rows = query(wh, "select count(*) from marts.fct_ad_spend_daily")[0][0]
    return {
        "size": size,
        "landed_rows": sum(counts.values()),
        "files": len(counts),
        "spend_rows": spend_rows,
        "generate_s": round(t_gen, 2),
        "first_run_s": round(t_first, 2),
        "rerun_unchanged_s": round(t_second, 2),
        "rows_per_s_first_run": round(sum(counts.values()) / t_first),
        "warehouse_mb": round(wh.stat().st_size / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 300])
    parser.add_argument("--as-of", default="2026-10-31")
    args = parser.parse_args()
    os.environ["REVWH_PROGRESS"] = "0"
    OUT.mkdir(exist_ok=True)
    work = OUT / "work"
    work.mkdir(exist_ok=True)
    results = [bench_size(s, date.fromisoformat(args.as_of), work) for s in args.sizes]
    base = results[0]
    for r in results:
        r["size_ratio"] = round(r["landed_rows"] / base["landed_rows"], 2)
        r["time_ratio"] = round(r["first_run_s"] / base["first_run_s"], 2)
    cols = list(results[0])
    print(" | ".join(cols))
    for r in results:
        print(" | ".join(str(r[c]) for c in cols))
    (OUT / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
