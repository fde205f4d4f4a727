"""The run history's event log keeps one engine and connection per SQLite file
(orchestration/pipeline/run_history.py). What matters to finance: every event a run stores is seen at once
by another process's instance (the UI), and a wiped history starts clean and records again."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    return tmp_path / "dagster_home"


def _materialize(instance: object, key: str) -> str:
    from dagster import asset, materialize

    @asset(name=key)
    def _one() -> int:
        return 1

    result = materialize([_one], instance=instance)
    assert result.success
    return result.run_id


def test_events_are_seen_by_another_instance_at_once_and_survive_a_wipe(home: Path) -> None:
    from dagster import AssetKey, DagsterInstance

    from orchestration.pipeline.instance import persistent_instance
    from orchestration.pipeline.run_history import RevwhSqliteEventLogStorage

    with persistent_instance() as writer:
        assert type(writer.event_log_storage) is RevwhSqliteEventLogStorage
        assert (home / "dagster.yaml").read_text(encoding="utf-8").count(str(home / "history" / "runs")) == 1
        first = _materialize(writer, "first")
        # another instance on the same home, as the UI's process would open it, while the
        # writer still holds its connections
        with DagsterInstance.from_config(str(home)) as reader:
            stored = writer.all_logs(first)
            seen = reader.all_logs(first)
            assert len(seen) == len(stored) > 5  # run start, step start, output, materialization, ...
            assert reader.get_latest_materialization_event(AssetKey("first")) is not None

            writer.wipe()  # `dagster instance wipe`: every run file deleted, the index emptied
            assert reader.get_latest_materialization_event(AssetKey("first")) is None
            second = _materialize(writer, "second")
            assert len(reader.all_logs(second)) == len(writer.all_logs(second)) > 5
            assert reader.get_latest_materialization_event(AssetKey("second")) is not None
