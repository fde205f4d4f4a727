"""Peak memory of loading one large landing file: wall time and peak RSS of the loading process.

Writes a Google Ads CSV of about SIZE MB (streamed to disk, never held in memory) into a scratch
landing directory, then loads it with `ingest.loader.load_landing` into a new DuckDB file opened
with the memory limit revwh uses (RevwhSettings.memory_limit, `--memory-limit` to change it), in
a child process whose tree is sampled every 0.1 s (bench/measure.py, as `make bench` does).

    .venv/bin/python bench/load_memory.py --mb 2000          # about 18 million rows
    .venv/bin/python bench/load_memory.py --mb 50 --keep     # a quick look; keep the scratch folder

Measurement only: nothing here asserts on time or memory. Results: one JSON line on stdout.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import PeakRss  # noqa: E402

HEADER = ("segments_date,customer_id,customer_currency_code,customer_time_zone,campaign_id,campaign_name,"
          "metrics_cost_micros,metrics_impressions,metrics_clicks,extracted_at\n")
REL_PATH = "ads/google_ads/google_ads_history.csv"
BLOCK_ROWS = 20_000


def write_csv(path: Path, size_mb: float) -> int:
    """A google_ads export of about `size_mb` MB written in blocks; the number of data rows."""
    target = int(size_mb * 1e6)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        written = fh.write(HEADER)
        while written < target:
            block = "".join(
                f"2026-{1 + i % 12:02d}-{1 + i % 28:02d},{1000000000 + i % 50000},USD,America/Chicago,"
                f"{20000000 + i % 400000},\"Brand, Dealer {i % 50000}\",{(i * 7919) % 900000000},"
                f"{i % 10000},{i % 300},2026-10-02T02:00:00Z\n"
                for i in range(rows, rows + BLOCK_ROWS)
            )
            written += fh.write(block)
            rows += BLOCK_ROWS
    return rows


def child(landing: Path, warehouse: Path, memory_limit: str) -> None:
    """The measured process: one load of `landing` into `warehouse`, as a run's load step opens it."""
    import duckdb

    from ingest.loader import load_landing

    start = time.perf_counter()
    con = duckdb.connect(str(warehouse), config={"memory_limit": memory_limit})
    try:
        report = load_landing(con, landing, loaded_at=datetime(2026, 11, 1, 2), scratch_dir=warehouse.parent)
        con.execute("checkpoint")
    finally:
        con.close()
    print(json.dumps({"rows": sum(f.rows for f in report.loaded), "rejected": [r.reason for r in report.rejected],
                      "load_s": round(time.perf_counter() - start, 1)}), flush=True)


def measure(size_mb: float, work: Path, memory_limit: str) -> dict[str, object]:
    landing, warehouse = work / "landing", work / "warehouse.duckdb"
    t0 = time.perf_counter()
    rows = write_csv(landing / REL_PATH, size_mb)
    generate_s = time.perf_counter() - t0
    file_mb = round((landing / REL_PATH).stat().st_size / 1e6)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", str(landing), str(warehouse), memory_limit],
                            stdout=subprocess.PIPE, text=True)
    memory = PeakRss(proc)
    out, _ = proc.communicate()
    peak_mb = memory.stop()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"the load failed ({proc.returncode})")
    got = json.loads(out.strip().splitlines()[-1])
    if got["rejected"] or got["rows"] != rows:
        raise SystemExit(f"the load did not land every row: {got}")
    return {"file_mb": file_mb, "rows": rows, "memory_limit": memory_limit, "generate_s": round(generate_s, 1),
            "wall_s": round(wall, 1), "load_s": got["load_s"], "peak_rss_mb": peak_mb,
            "warehouse_mb": round(warehouse.stat().st_size / 1e6)}


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=2000, help="size of the CSV to load, MB (default 2000)")
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory limit (default: revwh's)")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    if args.memory_limit is None:
        from orchestration.settings import RevwhSettings

        args.memory_limit = RevwhSettings.model_fields["memory_limit"].default
    work = args.work or Path(tempfile.mkdtemp(prefix="revwh-load-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(json.dumps(measure(args.mb, work, args.memory_limit)), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
