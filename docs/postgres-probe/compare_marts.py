"""Compare every mart of a DuckDB warehouse with the same mart built on PostgreSQL, row by row.

    python docs/postgres-probe/compare_marts.py WAREHOUSE.duckdb
Values are compared as text after normalizing what the engines print differently and mean the
same: decimals by value, booleans, JSON by content, timestamps' T. Exit 1 when any mart differs.
"""

import csv
import io
import json
import os
import subprocess
import sys
from decimal import Decimal, InvalidOperation

import duckdb


def norm(value: object) -> str:
    if value is None or value == "":
        return ""
    text = str(value)
    try:
        return str(Decimal(text).normalize())
    except InvalidOperation:
        pass
    if text in ("True", "true", "t"):
        return "true"
    if text in ("False", "false", "f"):
        return "false"
    if text[:1] in "{[":
        try:
            return json.dumps(json.loads(text), sort_keys=True)
        except ValueError:
            pass
    return text.replace("T", " ", 1) if len(text) >= 19 and text[10] == "T" else text


def main(warehouse: str) -> int:
    con = duckdb.connect(warehouse, read_only=True)
    marts = [t for (t,) in con.execute("select table_name from information_schema.tables where table_schema = 'marts'"
                                       " order by 1").fetchall()]
    differing = 0
    for mart in marts:
        cols = [c for (c,) in con.execute("select column_name from information_schema.columns where table_schema ="
                                          " 'marts' and table_name = ? order by ordinal_position", [mart]).fetchall()]
        duck = sorted(tuple(norm(v) for v in row) for row in con.execute(f'select * from marts."{mart}"').fetchall())
        columns = ", ".join(f'"{c}"' for c in cols)
        out = subprocess.run(["psql", "-h", os.environ.get("REVWH_PG_HOST", "127.0.0.1"),
                              "-p", os.environ.get("REVWH_PG_PORT", "5432"),
                              "-U", os.environ.get("REVWH_PG_USER", "revwh"),
                              "-d", os.environ.get("REVWH_PG_DATABASE", "revwh"), "-At", "-c",
                              f'copy (select {columns} from marts."{mart}") to stdout with csv'],
                             capture_output=True, text=True, check=True)
        pg = sorted(tuple(norm(v) for v in row) for row in csv.reader(io.StringIO(out.stdout)))
        same = duck == pg
        differing += not same
        print(f"{mart}: {'same' if same else 'DIFFERENT'} ({len(duck)} rows on DuckDB, {len(pg)} on PostgreSQL)")
    print(f"{differing} of {len(marts)} marts differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
