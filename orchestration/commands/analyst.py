"""What analysts use: `revwh sql` and `revwh docs`, both read-only on the published warehouse.

A run replaces the published file atomically and needs no lock from readers, so anything that
opened it read-write (as `dbt docs generate` does with the dbt-duckdb profile) would block the
next run and break analysts' connections. `revwh sql` opens it read-only; `revwh docs` builds the
dbt catalog from a private copy of it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from orchestration.commands.errors import UserError

DEFAULT_WAREHOUSE = os.environ.get("REVWH_WAREHOUSE", "warehouse/revwh.duckdb")


def _published(path: str) -> Path:
    warehouse = Path(path).expanduser().resolve()
    if not warehouse.is_file():
        raise UserError(f"no warehouse at {warehouse}: run `revwh run` (or `revwh demo`) first, or pass --warehouse")
    return warehouse


def _run_query(con: object, query: str, fmt: str) -> None:
    relation = con.sql(query)
    if relation is None:  # a statement without a result
        return
    if fmt == "csv":
        from orchestration.reports.csv_safe import SafeCsvWriter

        # cells that would start a formula in Excel get a leading apostrophe; numbers stay as they are
        writer = SafeCsvWriter(sys.stdout, lineterminator="\n")
        writer.writerow(relation.columns)
        writer.writerows(relation.fetchall())
    else:
        relation.show(max_rows=200, max_width=200)


def _cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from orchestration.run.restore import open_error_message

    warehouse = _published(args.warehouse)
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:  # not a DuckDB file, a damaged one, or open for writing elsewhere
        raise UserError(open_error_message(warehouse, exc)) from None
    try:
        if args.query:
            try:
                _run_query(con, args.query, args.format)
            except duckdb.Error as exc:
                print(f"revwh sql: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
                return 1
            return 0
        print(f"revwh sql: {warehouse} (read-only); end a statement with ';', Ctrl-D to leave", file=sys.stderr)
        buffer: list[str] = []
        while True:
            # the prompt goes to stderr, so `revwh sql < file.sql > out.csv` writes only results
            print("revwh> " if not buffer else "   ...> ", end="", file=sys.stderr, flush=True)
            line = sys.stdin.readline()
            if not line:
                print(file=sys.stderr)
                return 0
            line = line.rstrip("\n")
            buffer.append(line)
            if line.rstrip().endswith(";"):
                statement, buffer = "\n".join(buffer), []
                try:
                    _run_query(con, statement, args.format)
                except duckdb.Error as exc:
                    print(f"error: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
    finally:
        con.close()


def _cmd_docs(args: argparse.Namespace) -> int:
    """dbt docs for the published warehouse, generated from a private copy of it, then served."""
    from orchestration.run.dbt_manifest import dbt_executable
    from orchestration.settings import DBT_PROJECT_DIR

    warehouse = _published(args.warehouse)
    out = Path(args.out).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="revwh-docs-") as tmp:
        copy = Path(tmp) / "catalog_source.duckdb"
        shutil.copy2(warehouse, copy)
        env = {**os.environ, "REVWH_DBT_DUCKDB_PATH": str(copy), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        generate = [
            dbt_executable(), "docs", "generate", "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(out), "--quiet",
            "--vars", json.dumps({"as_of": args.as_of}) if args.as_of else "{}",
        ]
        done = subprocess.run(generate, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["unknown error"]
            print(f"revwh docs: dbt docs generate failed: {tail[0]}", file=sys.stderr)
            return 1
    print(f"revwh docs: generated {out / 'index.html'} from {warehouse} (the warehouse was not opened)",
          file=sys.stderr)
    if args.no_serve:
        return 0
    serve = [
        dbt_executable(), "docs", "serve", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
        str(DBT_PROJECT_DIR), "--target-path", str(out), "--host", "127.0.0.1", "--port", str(args.port),
        "--no-browser",
    ]
    print(f"revwh docs: serving on http://127.0.0.1:{args.port} (Ctrl-C to stop)", file=sys.stderr)
    return subprocess.call(serve, cwd=DBT_PROJECT_DIR, env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    sql = sub.add_parser("sql", help="query the published warehouse, read-only")
    sql.add_argument("query", nargs="?", help="one SQL statement; none for an interactive prompt")
    sql.add_argument("--warehouse", default=DEFAULT_WAREHOUSE, help="published DuckDB file (REVWH_WAREHOUSE)")
    sql.add_argument("--format", choices=("table", "csv"), default="table")
    sql.set_defaults(func=_cmd_sql)

    docs = sub.add_parser("docs", help="generate and serve the dbt docs of the published warehouse")
    docs.add_argument("--warehouse", default=DEFAULT_WAREHOUSE, help="published DuckDB file (REVWH_WAREHOUSE)")
    docs.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "revwh-docs"), help="where to write the site")
    docs.add_argument("--as-of", help="as-of date shown in the docs' compiled SQL (default: the project's)")
    docs.add_argument("--port", type=int, default=8081)
    docs.add_argument("--no-serve", action="store_true", help="only generate")
    docs.set_defaults(func=_cmd_docs)
