"""One run of the warehouse: runner, working file, inputs, guards, lock, summary, dbt."""
