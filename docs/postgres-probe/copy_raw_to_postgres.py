"""Copy a DuckDB warehouse's raw tables into PostgreSQL (by hand, until the loader does it).

    python docs/postgres-probe/copy_raw_to_postgres.py WAREHOUSE.duckdb
Uses psql with REVWH_PG_HOST / REVWH_PG_PORT / REVWH_PG_USER / REVWH_PG_DATABASE (password from
PGPASSWORD or ~/.pgpass); the raw tables must exist (raw_ddl.sql). COPY, not row-by-row inserts.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb


def psql(*commands: str) -> None:
    args = ["psql", "-h", os.environ.get("REVWH_PG_HOST", "127.0.0.1"), "-p", os.environ.get("REVWH_PG_PORT", "5432"),
            "-U", os.environ.get("REVWH_PG_USER", "revwh"), "-d", os.environ.get("REVWH_PG_DATABASE", "revwh"),
            "-v", "ON_ERROR_STOP=1"]
    for command in commands:
        args += ["-c", command]
    subprocess.run(args, check=True, capture_output=True)


def main(warehouse: str) -> None:
    con = duckdb.connect(warehouse, read_only=True)
    tables = [t for (t,) in con.execute("select table_name from information_schema.tables where table_schema = 'raw'"
                                        " and table_type = 'BASE TABLE' and table_name <> '_run_inputs'").fetchall()]
    with tempfile.TemporaryDirectory() as tmp:
        for table in tables:
            cols = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw'"
                " and table_name = ? order by ordinal_position", [table]).fetchall()]
            path = Path(tmp) / f"{table}.csv"
            con.execute(f"copy raw.\"{table}\" to '{path}' (header, delimiter ',')")
            columns = ", ".join(f'"{c}"' for c in cols)
            psql(f'truncate raw."{table}"', f"\\copy raw.\"{table}\" ({columns}) from '{path}' csv header")
            print(f"raw.{table}: copied")


if __name__ == "__main__":
    main(sys.argv[1])
