"""Dagster's SQLite event log, with one SQLAlchemy engine per file instead of one per event.

A run of the nightly job stores about 750 events (each dbt model and test is planned, then
materialized or evaluated), and Dagster's SQLite event log builds a new SQLAlchemy engine for
every one of them, sometimes twice (the run's file and the cross-run asset index). A new engine
starts with an empty statement cache, so every event also re-compiles its INSERT and the asset
index's queries, and opens and closes a connection (each close checkpoints the write-ahead
log). Measured over the test landing: storing a run's events took 14.5 s, now 4.5 s.

`RevwhSqliteEventLogStorage` is Dagster's own `SqliteEventLogStorage` (same files, same schema,
same locking) that keeps, for the files it used most recently, the engine and one open
connection. Each event is still its own committed transaction, so other processes (the UI, the
daemon) see every commit as before. It is named in the `dagster.yaml` revwh writes (orchestration/pipeline/instance.py);
Dagster has no setting for this, hence the subclass.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

# The index file plus the few runs a process writes or watches at once; older engines are
# disposed, closing their connection.
KEPT_ENGINES = 8


class RevwhSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage that reuses each file's engine (and its compiled statements)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: dict[str, Any]
    ) -> RevwhSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, created (and its file initialised) on first use; called under
        the storage's lock, as Dagster's own `_connect` does."""
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=1,
                max_overflow=2,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
        if shard not in self._initialized_dbs:  # also again after wipe(), which clears the set
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        while len(self._engines) > KEPT_ENGINES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    def wipe(self) -> None:
        """Close every kept connection first: wipe deletes the run files they point at."""
        with self._db_lock:
            self._dispose_engines()
        super().wipe()

    def dispose(self) -> None:
        with self._db_lock:
            self._dispose_engines()
        super().dispose()

    def _dispose_engines(self) -> None:
        while self._engines:
            self._engines.popitem(last=False)[1].dispose()

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            with engine.connect() as conn, conn.begin():
                yield conn
