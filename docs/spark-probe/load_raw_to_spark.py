"""Copy a DuckDB warehouse's landed tables (schemas raw and closed) into Spark, by hand, via Parquet.

    python docs/spark-probe/load_raw_to_spark.py WAREHOUSE.duckdb [WORKDIR]
Exports every base table of schemas raw (except _run_inputs) and closed to WORKDIR/parquet/ with
DuckDB's COPY, then creates them as tables of Spark databases raw and closed (Hive catalog:
warehouse dir WORKDIR/spark-warehouse, Derby metastore WORKDIR/metastore_db, the same settings
as the `spark` target in dbt_project/profiles.yml). WORKDIR defaults to /tmp/spark-probe.
Types are kept: landed columns text, _row_number int, _loaded_at timestamp.
"""

import sys
from pathlib import Path

import duckdb
from pyspark.sql import SparkSession


def spark_session(workdir: Path) -> SparkSession:
    return (SparkSession.builder.enableHiveSupport()
            .config("spark.sql.warehouse.dir", str(workdir / "spark-warehouse"))
            .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                    f"jdbc:derby:;databaseName={workdir / 'metastore_db'};create=true")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={workdir}")
            .getOrCreate())


def main(warehouse: str, workdir: Path) -> None:
    con = duckdb.connect(warehouse, read_only=True)
    tables = con.execute("select table_schema, table_name from information_schema.tables"
                         " where table_schema in ('raw', 'closed') and table_type = 'BASE TABLE'"
                         " and table_name <> '_run_inputs' order by 1, 2").fetchall()
    out = workdir / "parquet"
    out.mkdir(parents=True, exist_ok=True)
    spark = spark_session(workdir)
    for schema in {s for s, _ in tables}:
        spark.sql(f"create database if not exists {schema}")
    for schema, table in tables:
        path = out / f"{schema}.{table}.parquet"
        con.execute(f"copy {schema}.\"{table}\" to '{path}' (format parquet)")
        df = spark.read.parquet(str(path))
        spark.sql(f"drop table if exists {schema}.`{table}`")
        df.write.format("parquet").saveAsTable(f"{schema}.`{table}`")
        n = spark.table(f"{schema}.`{table}`").count()
        typed = [f"{f.name} {f.dataType.simpleString()}" for f in df.schema.fields
                 if f.dataType.simpleString() != "string"]
        print(f"{schema}.{table}: {n} rows; not text: {', '.join(typed)}")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/spark-probe"))
