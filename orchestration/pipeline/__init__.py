"""What Dagster loads: definitions, assets, checks, schedules, sensors, alerts, instance."""
