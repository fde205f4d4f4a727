"""Run the bound (bench/limit.sql) on a landing directory and compare it with revwh's marts.

    .venv/bin/python -m bench.limit --landing DIR --as-of YYYY-MM-DD --out bound.duckdb

The script runs in a child process (this module's `main`), timed and sampled like `revwh run`
(peak RSS of its process tree), so the two figures compare. Files are assigned to tables by the
loader's own rule (ingest/landing.py) and read by DuckDB as text.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL = Path(__file__).with_name("limit.sql")
OUT = ROOT / "bench" / "out"
# (mart, the columns both must agree on)
COMPARED = {
    "fct_ad_spend_daily": ("platform", "account_id", "campaign_id", "spend_date", "contract_id", "spend", "currency",
                           "spend_usd"),
    "budget_pacing": ("contract_id", "expected_to_date", "spend_to_date", "pacing_ratio", "pacing_status"),
    "underspend_credits": ("contract_id", "month", "billable_media", "spend", "delivered_media", "underspend",
                           "credit_due", "credits_issued"),
}


@dataclass(frozen=True)
class LimitRun:
    seconds: float
    peak_rss_mb: int
    database: Path


def _relation(files: list[Path], table: str) -> str:
    """All files of a table as one relation of text columns with the landing-relative file name."""
    parts = []
    csvs = [f for f in files if f.suffix == ".csv"]
    parquets = [f for f in files if f.suffix == ".parquet"]
    if csvs:
        names = ", ".join(f"'{f.as_posix()}'" for f in csvs)
        parts.append(f"select * from read_csv([{names}], all_varchar = true, header = true, filename = '_path',"
                     " union_by_name = true)")
    if parquets:
        names = ", ".join(f"'{f.as_posix()}'" for f in parquets)
        parts.append(f"select columns(* exclude (_path))::varchar, _path from read_parquet([{names}],"
                     " filename = '_path', union_by_name = true)")
    if not parts:
        raise SystemExit(f"no landing file for {table}")
    return "(" + " union all by name ".join(parts) + ")"


def script(landing: Path, as_of: date, under: str = "0.90", over: str = "1.10") -> str:
    sys.path.insert(0, str(ROOT))
    from ingest.landing import discover

    files, _unknown = discover(landing)
    by_table: dict[str, list[Path]] = {}
    for lf in files:
        by_table.setdefault(lf.table.name, []).append(lf.path)
    root = landing.resolve().as_posix().rstrip("/") + "/"
    sql = SQL.read_text(encoding="utf-8").replace("{as_of}", as_of.isoformat())
    sql = sql.replace("{under}", under).replace("{over}", over)
    for table, paths in by_table.items():
        relation = _relation(sorted(paths), table)
        # _source_file as the loader records it: relative to the landing directory
        sql = sql.replace("{files:" + table + "}",
                          f"(select * exclude (_path), replace(_path, '{root}', '') as _source_file from {relation})")
    return sql


def run_limit(landing: Path, as_of: date, out: Path | None = None) -> LimitRun:
    """Run the bound in a child process; time it and sample its peak RSS."""
    out = out or OUT / "bound.duckdb"
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in (out, out.with_name(out.name + ".wal")):
        stale.unlink(missing_ok=True)
    from bench.measure import PeakRss

    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "bench.limit", "--landing", str(landing), "--as-of",
                              as_of.isoformat(), "--out", str(out)], cwd=ROOT)
    memory = PeakRss(child)
    code = child.wait()
    peak_mb = memory.stop()
    if code != 0:
        raise SystemExit(f"the bound failed (exit {code})")
    return LimitRun(round(time.perf_counter() - start, 1), peak_mb, out)


def diff_path(limit: LimitRun) -> Path:
    """Where compare_with_revwh writes what differs: beside the bound's database."""
    return limit.database.with_name(limit.database.stem + "-diff.txt")


def compare_with_revwh(limit: LimitRun, warehouse: Path) -> bool:
    """True when the bound's three marts equal revwh's, row for row, on the compared columns."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"attach '{limit.database}' as bound (read_only)")
    con.execute(f"attach '{warehouse}' as wh (read_only)")
    lines = []
    for mart, cols in COMPARED.items():
        names = ", ".join(cols)
        only_bound = con.execute(f"select {names} from bound.{mart} except all select {names} from wh.marts.{mart}"
                                 ).fetchall()
        only_wh = con.execute(f"select {names} from wh.marts.{mart} except all select {names} from bound.{mart}"
                              ).fetchall()
        (rows,) = con.execute(f"select count(*) from wh.marts.{mart}").fetchone()
        lines.append(f"{mart}: {rows} rows in revwh, {len(only_bound)} only in the bound, {len(only_wh)} only in revwh")
        lines += [f"  bound: {r}" for r in only_bound[:10]] + [f"  revwh: {r}" for r in only_wh[:10]]
    con.close()
    diff_path(limit).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return all(" 0 only in the bound, 0 only in revwh" in line for line in lines if not line.startswith("  "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--as-of", type=date.fromisoformat, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    import duckdb

    con = duckdb.connect(str(args.out))
    con.execute(script(args.landing, args.as_of))
    for mart in COMPARED:
        con.execute(f"create table {mart} as select * from temp.main.{mart}")
    con.close()


if __name__ == "__main__":
    main()
