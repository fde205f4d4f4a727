"""The run-inputs fingerprint (orchestration/run/inputs.py) that lets a run with nothing new stop
after the landing step: equal for equal inputs, different when any one input differs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.landing import discover
from orchestration.run import dbt_manifest
from orchestration.run import inputs as run_inputs
from orchestration.settings import DBT_PROJECT_DIR, RevwhSettings
from tests.test_spine_rules import AS_OF, build_landing

VARS = RevwhSettings(as_of=AS_OF).dbt_vars()


def _fp(landing: Path, dbt_vars: dict = VARS, closes: list | None = None) -> str:
    return run_inputs.fingerprint(landing, *discover(landing), dbt_vars, closes or [])


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return build_landing(tmp_path / "landing")


def test_same_inputs_same_fingerprint(landing: Path) -> None:
    assert _fp(landing) == _fp(landing)


def test_any_changed_input_changes_the_fingerprint(landing: Path) -> None:
    base = _fp(landing)
    assert _fp(landing, {**VARS, "as_of": "2026-10-16"}) != base  # another T
    assert _fp(landing, {**VARS, "aging_basis": "invoice_date"}) != base  # another setting
    assert _fp(landing, closes=[(1, "2026-09-01", "closed")]) != base  # a month closed since
    contracts = landing / "contracting" / "contracts.csv"
    data = contracts.read_bytes()
    contracts.write_bytes(data.replace(b"\r\n", b"\n") if b"\r\n" in data else data.replace(b"\n", b"\r\n"))
    assert _fp(landing) != base  # same rows, other line endings: other bytes
    contracts.write_bytes(data)
    assert _fp(landing) == base
    (landing / "accounting" / "notes.txt").write_text("not an export\n", encoding="utf-8")  # a stray file
    assert _fp(landing) != base


def test_an_edited_model_changes_the_fingerprint(landing: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "dbt_project"
    for name in ("models", "macros", "tests"):
        shutil.copytree(DBT_PROJECT_DIR / name, project / name)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy2(DBT_PROJECT_DIR / name, project / name)
    monkeypatch.setattr(dbt_manifest, "DBT_PROJECT_DIR", project)
    base = _fp(landing)
    macro = project / "macros" / "div_round.sql"
    state = run_inputs.model_state(VARS)
    macro.write_text(macro.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert _fp(landing) != base
    assert run_inputs.model_state(VARS) != state  # the incremental models' kept rows are stale: full build


def test_the_build_is_incremental_only_under_the_same_models_and_settings() -> None:
    state = run_inputs.model_state(VARS)
    assert run_inputs.model_state({**VARS, "as_of": "2026-10-16"}) == state  # a new T: still incremental
    assert run_inputs.model_state({**VARS, "aging_basis": "invoice_date"}) != state  # another setting
    published = run_inputs.PublishedInputs("f", "run", AS_OF, state)
    assert run_inputs.build_mode(published, state, rebuild=False) == run_inputs.INCREMENTAL
    assert run_inputs.build_mode(published, "other", rebuild=False) == run_inputs.FULL
    assert run_inputs.build_mode(published, state, rebuild=True) == run_inputs.FULL  # revwh run --rebuild
    assert run_inputs.build_mode(None, state, rebuild=False) == run_inputs.FULL  # no published warehouse
    older = run_inputs.PublishedInputs("f", "run", AS_OF, None)  # published before the state was recorded
    assert run_inputs.build_mode(older, state, rebuild=False) == run_inputs.FULL
