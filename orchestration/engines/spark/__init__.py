"""`--target spark`: dbt-spark environment, versioned marts, publish."""
