"""Benchmark revwh at agency sizes: time and peak memory of the whole process tree, per step.

For each size (number of dealers) the demo generator writes a landing directory as of T, then:
  (a) first run      `revwh run` on it into an empty warehouse
  (b) nightly runs   what one night lands added to it (T + 1's pull files, restating the 7 days
                     before; the day's exports again; history and earlier pulls untouched),
                     then `revwh run` as of T + 1; then the same for T + 2. The first night
                     copies the published warehouse (no previous generation is kept yet); the
                     second is the steady state, reported as "nightly": it works on the
                     previous generation and catches up two nights (orchestration/run/working_copy.py).
                     T's landing is T + 2's without its two newest pulls (the generator draws a
                     new world for each as-of date)
  (c) no new files   `revwh run` again on the same landing
Each run is a `revwh run` child process, exactly as a user starts it; its process tree (the CLI,
dbt's process) is sampled every 0.1 s with psutil for the peak resident memory (the sum over the
tree). Steps are timed from the run's progress lines (load, gate, dbt, publish, reports), and the
slowest dbt models from the run's Dagster events. The bound (bench/limit.sql: the three spend
marts computed by one hand-written DuckDB script from the same files) is timed on the landing of
(a) and checked against revwh's marts. The table goes to stdout, bench/out/results.json and, with
--write-docs, docs/performance.md. Measurement only: nothing here asserts on time.

    make bench                                         # sizes 300 1000 5000, writes docs/performance.md
    .venv/bin/python bench/run_bench.py --sizes 20     # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.limit import compare_with_revwh, run_limit  # noqa: E402
from bench.measure import PeakRss  # noqa: E402
from ingest.demo import generate_landing  # noqa: E402

OUT = ROOT / "bench" / "out"
LOAD_MEMORY_HEADING = "## Loading one large file"  # docs/performance.md's section by bench/load_memory.py
REVWH = str(Path(sys.executable).parent / "revwh")
# progress line prefix -> step that starts there (orchestration/run/progress.py lines, in run order)
WORKING_FILE_COPY, WORKING_FILE_PREVIOUS = "copying the published warehouse", "working on the previous generation"
STEPS = (
    ("starting the run's working file", "working file"),
    ("loading landing files", "load"),
    ("checking the landed rows", "gate"),
    ("building dbt models", "dbt + publish"),
    ("published ", "between steps"),
    ("writing billing reports", "reports, checks, summary"),
)


@dataclass
class RunFigures:
    wall_s: float
    peak_rss_mb: float
    steps_s: dict[str, float] = field(default_factory=dict)
    revwh_peak_mb: float = 0  # the revwh process alone (loader, gate, Dagster)
    children_peak_mb: float = 0  # its children together (dbt and its DuckDB)
    slow_models_s: dict[str, float] = field(default_factory=dict)
    working_file: str | None = None  # "copy" or "previous generation"; None: nothing rebuilt


def timed_run(landing: Path, warehouse: Path, as_of: date, dagster_home: Path, *extra: str) -> RunFigures:
    """One `revwh run` child process: wall time, peak RSS of its tree, per-step times."""
    # the benchmark writes each night's exports just before the run: no settling wait (REVWH_SETTLE_SECONDS)
    env = {**os.environ, "REVWH_PROGRESS": "1", "DAGSTER_HOME": str(dagster_home), "REVWH_SETTLE_SECONDS": "0"}
    start = time.perf_counter()
    child = subprocess.Popen([REVWH, "run", "--landing", str(landing), "--warehouse", str(warehouse),
                              "--as-of", as_of.isoformat(), *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env)
    memory = PeakRss(child)
    marks: list[tuple[str, float]] = []
    assert child.stderr is not None
    working_file = None
    for line in child.stderr:
        text = line.strip().removeprefix("… ").strip()
        for prefix, how in ((WORKING_FILE_COPY, "copy"), (WORKING_FILE_PREVIOUS, "previous generation")):
            if text.startswith(prefix):
                working_file = how
        for prefix, step in STEPS:
            if text.startswith(prefix) and step not in dict(marks):
                marks.append((step, time.perf_counter() - start))
    out = child.stdout.read() if child.stdout else ""
    child.wait()
    peak_mb = memory.stop()
    own_mb, children_mb = memory.split_mb()
    wall = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"revwh run failed ({child.returncode}):\n{out[-2000:]}")
    steps = {"start-up": marks[0][1] if marks else wall}
    # A run with nothing new prints no step line after start-up: its whole time is start-up.
    for (step, at), (_next, until) in zip(marks, [*marks[1:], ("end", wall)][: len(marks)], strict=True):
        steps[step] = until - at
    return RunFigures(round(wall, 1), peak_mb, {k: round(v, 1) for k, v in steps.items()},
                      own_mb, children_mb, _slow_models(dagster_home), working_file)


def _slow_models(dagster_home: Path, top: int = 5) -> dict[str, float]:
    """The slowest dbt models of the latest run, from dagster-dbt's materialization metadata."""
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    from dagster import DagsterEventType, DagsterInstance

    with DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        durations = {}
        for event in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
            mat = event.dagster_event.event_specific_data.materialization
            seconds = mat.metadata.get("Execution Duration")
            if seconds is not None:
                durations[mat.asset_key.to_user_string()] = round(float(seconds.value), 1)
    return dict(sorted(durations.items(), key=lambda kv: -kv[1])[:top])


def hold_back_last_night(landing: Path) -> dict[Path, bytes]:
    """Take the newest pull of each platform (its spend and coverage files) out of a landing, so
    that it is the landing of the night before, in the same world; return them."""
    held: dict[Path, bytes] = {}
    for folder in sorted((landing / "ads").iterdir()):
        pulls = sorted(p for p in folder.glob("*_pull_*.csv") if not p.name.endswith(".coverage.csv"))
        if not pulls:
            continue
        newest = pulls[-1]
        for path in (newest, newest.with_name(newest.stem + ".coverage.csv")):
            if path.exists():
                held[path] = path.read_bytes()
                path.unlink()
    return held


def land_next_night(landing: Path, held: dict[Path, bytes], night: int) -> list[str]:
    """What one night lands, as an agency's landing dir receives it; return the files written.

    The held-back pull files (the new day and the 7 days it restates, with their coverage)
    arrive; the accounting, contracting and FX exports arrive again as the day's snapshots
    (rewritten with other line ends: the same rows in new bytes, so the loader reloads them, as it
    does a real day's exports); the ad history and earlier pulls stay byte for byte as they were.
    The demo generator draws its world per as-of date, so T + 2 is generated first and T derived
    from it by holding back two nights' pulls (hold_back_last_night): history, accounts and
    contracts are then one world.
    """
    written = []
    for path, data in sorted(held.items()):
        path.write_bytes(data)
        written.append(path.relative_to(landing).as_posix())
    for path in sorted(p for p in landing.rglob("*.csv") if p.relative_to(landing).parts[0] != "ads"):
        lf = path.read_bytes().replace(b"\r\n", b"\n")
        # night 1: CRLF line ends; night 2: LF, no newline after the last row: new bytes each
        # night, never the bytes of an earlier night (a previous generation must reload them)
        path.write_bytes(lf.replace(b"\n", b"\r\n") if night == 1 else lf.rstrip(b"\n"))
        written.append(path.relative_to(landing).as_posix())
    return written


def bench_size(size: int, as_of: date, work: Path, out: Path = OUT) -> dict[str, object]:
    landing, wh, home = work / f"landing_{size}", work / f"revwh_{size}.duckdb", work / f"dagster_{size}"
    for stale in (landing, home):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in work.glob(f"revwh_{size}.duckdb*"):
        stale.unlink()
    home.mkdir(parents=True)
    t0 = time.perf_counter()
    counts = generate_landing(landing, as_of=as_of + timedelta(days=2), size=size, seed=7)
    second_night = hold_back_last_night(landing)
    first_night = hold_back_last_night(landing)
    for path in [*first_night, *second_night]:
        counts.pop(path.relative_to(landing).as_posix(), None)
    generate_s = time.perf_counter() - t0
    rows_by_table: dict[str, int] = {}
    for rel, rows in counts.items():
        table = rel.split("/")[-1].split(".")[0]
        rows_by_table[table] = rows_by_table.get(table, 0) + rows
    first = timed_run(landing, wh, as_of, home)
    limit = run_limit(landing, as_of, out / f"bound-{size}.duckdb")
    agree = compare_with_revwh(limit, wh)
    land_next_night(landing, first_night, 1)
    nightly_copy = timed_run(landing, wh, as_of + timedelta(days=1), home)
    nightly_files = land_next_night(landing, second_night, 2)
    nightly = timed_run(landing, wh, as_of + timedelta(days=2), home)
    rerun = timed_run(landing, wh, as_of + timedelta(days=2), home)
    return {
        "dealers": size,
        "landed_rows": sum(counts.values()),
        "rows_by_file": counts,
        "generate_s": round(generate_s, 1),
        "first": asdict(first),
        "nightly_copy": asdict(nightly_copy),
        "nightly": asdict(nightly),
        "nightly_files": nightly_files,
        "rerun": asdict(rerun),
        "limit_s": limit.seconds,
        "limit_peak_rss_mb": limit.peak_rss_mb,
        "limit_agrees": agree,
        "warehouse_mb": round(wh.stat().st_size / 1e6),
    }


def machine() -> str:
    mem = psutil.virtual_memory().total / 2**30
    return f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def help_seconds(times: int = 3) -> float:
    """`revwh --help`, the start-up a user feels first: the median of a few runs."""
    spent = []
    for _ in range(times):
        start = time.perf_counter()
        subprocess.run([REVWH, "--help"], capture_output=True, check=True)
        spent.append(time.perf_counter() - start)
    return round(sorted(spent)[len(spent) // 2], 2)


# issue 11's targets at the largest size: (what, figure, target, met)
def targets(r: dict[str, object], help_s: float) -> list[tuple[str, str, str, bool]]:
    f, n, z = r["first"], r["nightly"], r["rerun"]
    peak = max(f["peak_rss_mb"], n["peak_rss_mb"], z["peak_rss_mb"])
    ratio = f["wall_s"] / r["limit_s"]
    return [
        ("full run / bound", f"{ratio:.1f} x", "<= 3 x", ratio <= 3),
        ("nightly / full run", f"{100 * n['wall_s'] / f['wall_s']:.0f} %", "<= 15 %",
         n["wall_s"] <= 0.15 * f["wall_s"]),
        ("re-run, no new files / full run", f"{100 * z['wall_s'] / f['wall_s']:.0f} %", "<= 10 %",
         z["wall_s"] <= 0.10 * f["wall_s"]),
        ("peak RSS, process tree", f"{peak:,} MB", "<= 4,096 MB", peak <= 4096),
        ("`revwh --help`", f"{help_s} s", "< 1 s", help_s < 1),
    ]


def markdown(results: list[dict[str, object]], as_of: date, help_s: float = 0.0) -> str:
    lines = [
        "# Performance",
        "",
        f"Measured by `make bench` (bench/run_bench.py) on {date.today()}: {machine()}. Demo landing",
        f"(`ingest/demo`, seed 7) as of {as_of}; each run is a `revwh run` process, its peak memory the sum",
        "over its process tree (dbt included), sampled every 0.1 s. Nightly: what one night lands added to",
        "the landing (T + 1's pull files, restating the 7 days before; the day's exports again; the ad",
        "history and earlier pulls untouched), run as of T + 1, then the same for T + 2. The first night",
        "copies the published warehouse (nothing kept yet); \"nightly\" is the second, the steady state:",
        "it works on the previous generation of the warehouse and catches up two nights instead of",
        "copying the file (orchestration/run/working_copy.py). The landing of T is the landing generated as",
        "of T + 2 without its two newest pulls, so all runs see one world.",
        "",
        "| dealers | rows landed | full run | nightly | first night (copies) | re-run, no new files |"
        " peak RSS full / nightly / re-run | bound (limit.sql) | full / bound | bound agrees |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        f, n, z = r["first"], r["nightly"], r["rerun"]
        c = r.get("nightly_copy", n)
        lines.append(
            f"| {r['dealers']:,} | {r['landed_rows']:,} | {f['wall_s']} s | {n['wall_s']} s"
            f" ({100 * n['wall_s'] / f['wall_s']:.0f} %) | {c['wall_s']} s"
            f" | {z['wall_s']} s ({100 * z['wall_s'] / f['wall_s']:.0f} %)"
            f" | {f['peak_rss_mb']:,} / {n['peak_rss_mb']:,} / {z['peak_rss_mb']:,} MB | {r['limit_s']} s"
            f" | {f['wall_s'] / r['limit_s']:.1f} x | {'yes' if r['limit_agrees'] else 'NO'} |")
    steps = list(dict.fromkeys(s for _p, s in STEPS))
    lines += ["", "Per step (seconds; full / nightly / first night / re-run):", "",
              "| dealers | " + " | ".join(["start-up", *steps]) + " |",
              "|---|" + "---|" * (len(steps) + 1)]
    for r in results:
        cells = []
        for step in ("start-up", *steps):
            cells.append(" / ".join(str(r[k]["steps_s"].get(step, "-"))
                                    for k in ("first", "nightly", "nightly_copy", "rerun") if k in r))
        lines.append(f"| {r['dealers']:,} | " + " | ".join(cells) + " |")
    lines += ["", "Peak RSS split (MB; full / nightly / re-run): the revwh process (loader, gate, Dagster) and its",
              "children (dbt and its DuckDB):", "", "| dealers | revwh process | children |", "|---|---|---|"]
    for r in results:
        lines.append(f"| {r['dealers']:,} | " + " | ".join(
            " / ".join(f"{r[k].get(part, 0):,}" for k in ("first", "nightly", "rerun"))
            for part in ("revwh_peak_mb", "children_peak_mb")) + " |")
    largest = max(results, key=lambda r: r["dealers"])
    lines += ["", f"Targets at {largest['dealers']:,} dealers:", "", "| figure | measured | target | met |",
              "|---|---|---|---|"]
    lines += [f"| {what} | {got} | {want} | {'yes' if ok else 'no'} |"
              for what, got, want, ok in targets(largest, help_s)]
    for run, label in (("first", "full run"), ("nightly", "nightly run")):
        lines += ["", f"Slowest dbt models of the {label} (seconds):", ""]
        for r in results:
            slow = ", ".join(f"{k} {v}" for k, v in r[run]["slow_models_s"].items())
            lines.append(f"- {r['dealers']:,} dealers: {slow}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 5000])
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 10, 29),
                        help="T; the two nights are T + 1 and T + 2 (default: both in October)")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument("--write-docs", action="store_true", help="write the table to docs/performance.md")
    parser.add_argument("--out", type=Path, default=OUT, help="results.json and the bound's files (default bench/out)")
    args = parser.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    work = args.work or Path(tempfile.mkdtemp(prefix="revwh-bench-"))
    results = []
    for size in args.sizes:
        results.append(bench_size(size, args.as_of, work, out))
        print(json.dumps({k: v for k, v in results[-1].items() if k != "rows_by_file"}), flush=True)
    help_s = help_seconds()
    (out / "results.json").write_text(json.dumps({"help_s": help_s, "sizes": results}, indent=2, default=str))
    table = markdown(results, args.as_of, help_s)
    print(table)
    if args.write_docs:
        docs = ROOT / "docs" / "performance.md"
        # the large-file section is measured by bench/load_memory.py and kept as it is
        kept = docs.read_text(encoding="utf-8").partition(LOAD_MEMORY_HEADING) if docs.exists() else ("", "", "")
        docs.write_text(table + (f"\n{kept[1]}{kept[2]}" if kept[1] else ""), encoding="utf-8")
    if not all(r["limit_agrees"] for r in results):
        raise SystemExit("the bound (bench/limit.sql) and revwh disagree: see bench/out/bound-*-diff.txt")


if __name__ == "__main__":
    main()
