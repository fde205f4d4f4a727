"""dbt unit test names fit PostgreSQL's identifiers: dbt names a relation after each unit test,
and PostgreSQL refuses a name longer than 63 characters (the unit tests run there too)."""

from __future__ import annotations

import yaml

from orchestration.settings import DBT_PROJECT_DIR


def test_unit_test_names_fit_postgres_identifiers() -> None:
    names = [t["name"] for path in (DBT_PROJECT_DIR / "models").rglob("*.yml")
             for t in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", [])]
    assert len(names) >= 12
    assert [n for n in names if len(n) > 55] == []  # 63, less room for dbt's own suffixes
