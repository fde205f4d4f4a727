"""dbt models as Dagster assets, dbt tests as (blocking, for error severity) asset checks.

dbt writes the run's working copy of the warehouse (REVWH_DBT_DUCKDB_PATH, read by
dbt_project/profiles.yml, as is its memory limit); the as-of date and rule settings go in as vars.
The path dbt sees is the same on every run (see orchestration/run/dbt_launcher.py), so dbt's partial
parsing survives a change of warehouse.
"""

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, Failure
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from packaging.version import Version

from orchestration.engines.base import EngineError
from orchestration.engines.targets import engine_for
from orchestration.pipeline.gates import DbtStopped
from orchestration.pipeline.run_lock import RunLock
from orchestration.run import inputs as run_inputs
from orchestration.run import progress
from orchestration.run.dbt_launcher import MEMORY_LIMIT_ENV, run_dir_prefix
from orchestration.run.dbt_manifest import dbt_executable, ensure_manifest
from orchestration.run.failures import dbt_stop_line
from orchestration.settings import DBT_PROJECT_DIR, RevwhSettings

AS_OF_ENV = "REVWH_DBT_AS_OF"  # macros/settings.sql


class RevwhDbtTranslator(DagsterDbtTranslator):
    """dbt sources are the loader's raw assets (and the month-end closes); models are grouped by layer."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            schema = "closed" if dbt_resource_props.get("source_name") == "closed" else "raw"
            return AssetKey([schema, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


class RevwhDbtCli(DbtCliResource):
    """dagster-dbt's resource without two start-up costs paid on every run.

    dagster-dbt learns dbt's version by running `dbt --version` (a second dbt process, about
    3 s) and opens a dbt adapter in this process to fetch column metadata, which revwh never
    asks for (more seconds of importing dbt). dbt-core is installed in this very environment
    (requirements.lock), so its version is read from the package metadata instead."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


def run_dbt_executable() -> str:
    """`revwh-dbt` (orchestration/run/dbt_launcher.py) beside this interpreter; plain dbt if the
    project is not installed (then the path, and dbt's parse, change with the warehouse)."""
    launcher = Path(sys.executable).parent / "revwh-dbt"
    return str(launcher) if launcher.exists() else dbt_executable()


def dbt_resource() -> DbtCliResource:
    return RevwhDbtCli(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=run_dbt_executable(),
    )


@dbt_assets(manifest=ensure_manifest(), dagster_dbt_translator=RevwhDbtTranslator(), name="dbt_models")
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, settings: RevwhSettings, run_lock: RunLock):
    """Build staging, intermediate and marts with their tests on the run's working copy."""
    os.environ[MEMORY_LIMIT_ENV] = settings.memory_limit
    # T changes every night: as a --vars value it would defeat dbt's partial parsing (a changed
    # var re-parses everything), so it travels in the environment (macros/settings.sql).
    dbt_vars = settings.dbt_vars()
    os.environ[AS_OF_ENV] = str(dbt_vars.pop("as_of"))
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    progress.report("building dbt models and running dbt tests")
    prune_run_directories()
    # dbt unit tests are rule edge cases on fixed inputs: the test command runs them
    # (tests/test_dbt_unit_tests.py); the nightly build checks the data, not the code.
    building = settings.building()
    with tempfile.TemporaryDirectory(prefix=run_dir_prefix(building), dir=building.parent) as run_dir:
        # Incremental models (the ad-spend base models) rebuild whole when the landing step says
        # the published warehouse was built by other models or settings (run_inputs.build_mode).
        mode = run_inputs.recorded_build_mode(building)
        engine = engine_for(settings.target, settings.published())
        try:
            target = engine.prepare_raw(building, context.run_id, Path(run_dir), dbt.dbt_executable, context.log.info)
        except EngineError as exc:
            raise Failure(description=str(exc)) from None
        refresh = ["--full-refresh"] if mode == run_inputs.FULL else []
        context.log.info(f"dbt build mode: {mode}")
        # raise_on_error=False: dagster-dbt's own error is a stack of its frames; a stopped build
        # is one line instead (which test or model, and where dbt's log is)
        invocation = dbt.cli(
            ["build", "--exclude-resource-type", "unit_test", "--vars", json.dumps(dbt_vars), *refresh, *target],
            context=context, raise_on_error=False,
        )
        done = 0
        for event in invocation.stream():
            done += 1
            if done % 20 == 0:
                progress.report(f"dbt: {done} models and tests done")
            yield event
        if not invocation.is_successful():
            raise DbtStopped(dbt_stop_line(_run_results(invocation), Path(invocation.target_path)))
    # A stopped invocation raised above and keeps its directory (dbt.log, run_results.json) for
    # diagnosis; a good one leaves only its parse state for the next run, then nothing.
    keep_parse_state(invocation.target_path)
    shutil.rmtree(invocation.target_path, ignore_errors=True)


def _run_results(invocation: Any) -> dict | None:
    try:
        return invocation.get_artifact("run_results.json")
    except (OSError, ValueError):
        return None


def keep_parse_state(run_target: Path) -> None:
    """dagster-dbt seeds each invocation's target directory with target/partial_parse.msgpack;
    keeping the newest good run's there lets the next run re-parse only what changed. dbt itself
    checks that the project, vars and profile (the warehouse path) still match, else it parses
    everything, so a stale or foreign file costs time, never correctness."""
    state = Path(run_target) / "partial_parse.msgpack"
    if state.exists():
        shared = DBT_PROJECT_DIR / "target" / state.name
        scratch = shared.with_name(f"{state.name}.{os.getpid()}")
        shutil.copyfile(state, scratch)
        os.replace(scratch, shared)


KEEP_FAILED_RUN_DIRS = 5


def prune_run_directories(target: Path = DBT_PROJECT_DIR / "target") -> None:
    """dagster-dbt gives every invocation its own target/dbt_models-* directory (several MB).
    Keep the few newest (failed runs' logs), remove the rest."""
    runs = sorted(target.glob("dbt_models-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in runs[KEEP_FAILED_RUN_DIRS:]:
        shutil.rmtree(old, ignore_errors=True)
