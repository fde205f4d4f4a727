"""Configuration has one documented place (docs/configuration.md) and one source of defaults
(RevwhSettings): these tests fail when a variable is read but not documented, or when the dbt vars'
defaults in dbt_project.yml drift from RevwhSettings."""

from __future__ import annotations

import re

import yaml

from ingest.platforms import PLATFORMS
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT, RevwhSettings

DOC = (REPO_ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


def _variables_read() -> set[str]:
    names: set[str] = set()
    for path in [*(REPO_ROOT / "orchestration").rglob("*.py"), *(REPO_ROOT / "ingest").rglob("*.py"),
                 DBT_PROJECT_DIR / "profiles.yml"]:
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r"\bREVWH_[A-Z_]*[A-Z]\b", text))
        if "REVWH_LOOKBACK_{" in text:
            names |= {f"REVWH_LOOKBACK_{p.upper()}" for p in PLATFORMS}
    return names - {"REVWH_LOOKBACK"}


def test_every_environment_variable_read_is_documented() -> None:
    names = _variables_read()
    assert {"REVWH_LANDING", "REVWH_SMTP_HOST", "REVWH_SCHEDULE_TIMEZONE"} <= names  # the scan finds them
    missing = sorted(n for n in names if f"`{n}`" not in DOC)
    assert missing == []


def test_documented_variables_are_read() -> None:
    documented = set(re.findall(r"`(REVWH_[A-Z_]+)`", DOC))
    assert sorted(documented - _variables_read()) == []


def test_dbt_var_defaults_are_the_settings_defaults() -> None:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    settings = RevwhSettings().dbt_vars()
    declared = {k: str(v) for k, v in project["vars"].items() if k != "as_of"}
    assert declared == {k: str(v) for k, v in settings.items() if k != "as_of"}
