"""The warehouse engines (DuckDB, PostgreSQL, Spark) and the choice between them."""
