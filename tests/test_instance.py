"""The run history (Dagster's SQLite files under DAGSTER_HOME) is committed without an fsync per
event (orchestration/pipeline/instance.py); every other SQLite file keeps SQLite's default."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text


def _synchronous(path: Path) -> int:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return conn.execute(text("pragma synchronous")).scalar_one()
    finally:
        engine.dispose()


def test_run_history_commits_are_relaxed_and_nothing_else(tmp_path: Path) -> None:
    from dagster import DagsterRunStatus, RunsFilter

    from orchestration.pipeline.instance import dagster_home, persistent_instance

    with persistent_instance() as instance:  # opens (and creates) the run storage
        assert instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.NOT_STARTED]), limit=1) is not None
    # SQLite's pragma synchronous: 1 = NORMAL, 2 = FULL (its default)
    assert _synchronous(dagster_home() / "history" / "runs.db") == 1
    assert _synchronous(tmp_path / "elsewhere.db") == 2
    # a file under the Dagster home that is not in WAL mode (where NORMAL could corrupt) keeps FULL
    plain = dagster_home() / "not-wal.db"
    try:
        assert _synchronous(plain) == 2
    finally:
        plain.unlink(missing_ok=True)


def test_a_dagster_yaml_written_before_the_package_move_follows_the_storage(tmp_path: Path, monkeypatch) -> None:
    """An existing $DAGSTER_HOME's dagster.yaml names the event log storage's old module; the next
    dagster_home() points it at orchestration.pipeline.run_history and changes nothing else."""
    from orchestration.pipeline.instance import dagster_home

    old = "orchestration." + "run_history"  # the old place (spelled so the move script leaves it)
    config = tmp_path / "dagster.yaml"
    config.write_text(f"event_log_storage:\n  module: {old}\n  class: RevwhSqliteEventLogStorage\n", encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    dagster_home()
    assert config.read_text(encoding="utf-8") == (
        "event_log_storage:\n  module: orchestration.pipeline.run_history\n  class: RevwhSqliteEventLogStorage\n")
