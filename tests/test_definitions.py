"""The Dagster code location loads and is wired as documented."""

from __future__ import annotations

from dagster import AssetKey

from orchestration.pipeline.definitions import NIGHTLY_JOB, defs


def test_nightly_job_covers_raw_dbt_and_publish() -> None:
    job = defs.resolve_job_def(NIGHTLY_JOB)
    keys = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
    assert {"raw/contracts", "raw/google_ads", "staging/stg_contracting__contracts",
            "intermediate/int_contract_days", "marts/budget_pacing", "marts/data_exceptions",
            "published_warehouse"} <= keys


def test_gates_block_through_raw_files_and_dbt_tests_are_blocking_checks() -> None:
    """A blocked gate withholds raw/_files, which dbt reads: Dagster skips dbt and everything after
    it, and the verdict step (which nothing depends on) fails the run with one line. A Dagster-
    blocking gate would fail the load step and log every later step as abandoned, one list entry
    per asset it reads (orchestration/pipeline/gates.py)."""
    graph = defs.resolve_asset_graph()
    specs = {(k.asset_key.to_user_string(), k.name): graph.get_check_spec(k) for k in graph.asset_check_keys}
    assert not specs[("raw/contracts", "landing_gate")].blocking
    assert AssetKey(["raw", "_files"]) in graph.get(AssetKey(["staging", "stg_landing__files"])).parent_keys
    assert not graph.get(AssetKey(["landing_gate_verdict"])).child_keys
    job = defs.resolve_job_def(NIGHTLY_JOB)
    assert AssetKey(["landing_gate_verdict"]) in job.asset_layer.executable_asset_keys
    assert specs[("staging/stg_landing__files", "unique_stg_landing__files_source_file")].blocking


def test_dbt_sources_are_the_loader_assets_and_schedule_is_nightly() -> None:
    graph = defs.resolve_asset_graph()
    parents = graph.get(AssetKey(["staging", "base_contracting__contracts"])).parent_keys
    assert AssetKey(["raw", "contracts"]) in parents
    assert [s.cron_schedule for s in defs.schedules] == ["0 6 * * *"]  # REVWH_SCHEDULE_TIME default 06:00
