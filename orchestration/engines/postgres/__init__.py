"""`--target postgres`: connection, advisory lock, roles, publish."""
