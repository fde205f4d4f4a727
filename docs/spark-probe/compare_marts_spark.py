"""Compare every mart of a DuckDB warehouse with the same mart built on Spark, row by row.

    python docs/spark-probe/compare_marts_spark.py WAREHOUSE.duckdb [WORKDIR]
Spark is read through pyspark with the settings of the `spark` target in dbt_project/profiles.yml
(Hive catalog: warehouse dir WORKDIR/spark-warehouse, Derby metastore WORKDIR/metastore_db;
WORKDIR defaults to /tmp/spark-probe; no other Spark process may hold that metastore).
Values are compared after normalizing what the engines print differently and mean the same:
decimals by value, booleans, JSON (`_record`, `record`) by parsed content, timestamps' T.
Column names and order must match; the column types that differ are listed (not a failure).
Exit 1 when any mart differs.
"""

import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_raw_to_spark import spark_session  # noqa: E402


def norm(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    try:
        return str(Decimal(text).normalize())
    except InvalidOperation:
        pass
    if text[:1] in "{[":
        try:
            return json.dumps(json.loads(text), sort_keys=True)
        except ValueError:
            pass
    return text.replace("T", " ", 1) if len(text) >= 19 and text[10] == "T" else text


def main(warehouse: str, workdir: Path) -> int:
    con = duckdb.connect(warehouse, read_only=True)
    spark = spark_session(workdir)
    spark.sparkContext.setLogLevel("ERROR")
    marts = [t for (t,) in con.execute("select table_name from information_schema.tables where table_schema = 'marts'"
                                       " order by 1").fetchall()]
    spark_marts = {r.tableName for r in spark.sql("show tables in marts").collect()}
    differing = 0
    for mart in marts:
        cols = con.execute("select column_name, data_type from information_schema.columns where table_schema ="
                           " 'marts' and table_name = ? order by ordinal_position", [mart]).fetchall()
        if mart not in spark_marts:
            differing += 1
            print(f"{mart}: MISSING on Spark")
            continue
        sdf = spark.table(f"marts.`{mart}`")
        s_cols = [(f.name, f.dataType.simpleString()) for f in sdf.schema.fields]
        if [c for c, _ in cols] != [c for c, _ in s_cols]:
            differing += 1
            print(f"{mart}: DIFFERENT columns: DuckDB {[c for c, _ in cols]}, Spark {[c for c, _ in s_cols]}")
            continue
        duck = sorted(tuple(norm(v) for v in row) for row in con.execute(f'select * from marts."{mart}"').fetchall())
        spk = sorted(tuple(norm(v) for v in row) for row in sdf.collect())
        same = duck == spk
        differing += not same
        types = [f"{c} {d}/{s}" for (c, d), (_, s) in zip(cols, s_cols, strict=True)
                 if d.lower().replace("varchar", "string").replace("integer", "int") != s]
        print(f"{mart}: {'same' if same else 'DIFFERENT'} ({len(duck)} rows on DuckDB, {len(spk)} on Spark)"
              + (f"; types DuckDB/Spark: {', '.join(types)}" if types else ""))
        if not same:
            names = [c for c, _ in cols]
            only_d, only_s = sorted(set(duck) - set(spk)), sorted(set(spk) - set(duck))
            for a, b in zip(only_d, only_s, strict=False):
                print("    differs in:", {n: (x, y) for n, x, y in zip(names, a, b, strict=True) if x != y})
            print(f"    {len(only_d)} rows only on DuckDB, {len(only_s)} only on Spark")
    print(f"{differing} of {len(marts)} marts differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/spark-probe")))
