"""One writer per PostgreSQL warehouse: a session advisory lock held for the whole run.

The file lock (orchestration/run/warehouse_lock.py) keeps two runs off one landing store, but two
stores (two machines, two folders) may publish to the same PostgreSQL database: their copies into
`raw` and their schema swaps would interleave. A `--target postgres` run therefore also holds
PostgreSQL's advisory lock ADVISORY_LOCK_KEY in that database, on a connection of its own, from
before the landing step until after publishing. The server releases it if the process dies. Like
the file lock it is re-entrant within a process: the CLI takes it before the job starts, and the
job's run lock resource (orchestration/pipeline/run_lock.py) takes it again for runs launched
from the UI, the schedule or the sensor.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from orchestration.engines.postgres.connection import PgSettings, connect
from orchestration.run.warehouse_lock import WarehouseBusy

ADVISORY_LOCK_KEY = 7_274_380_413  # any fixed bigint; advisory locks are per database

_held: dict[str, list[Any]] = {}  # where -> [connection, count]


def _holder(pg: Any) -> str:
    with pg.cursor() as cur:
        cur.execute(
            "select a.pid, a.application_name, a.backend_start from pg_locks l join pg_stat_activity a using (pid)"
            " where l.locktype = 'advisory' and l.granted and l.objid = %s and l.pid <> pg_backend_pid()",
            (ADVISORY_LOCK_KEY & 0xFFFFFFFF,))
        row = cur.fetchone()
    if row is None:
        return "holder unknown"
    # another role's session shows only its pid to a non-superuser (its name and start are NULL)
    since = f", connected {row[2]:%Y-%m-%d %H:%M}" if row[2] is not None else ""
    return f"server pid {row[0]}" + (f", {row[1]}" if row[1] else "") + since


def acquire(wait_s: float = 0.0, settings: PgSettings | None = None) -> str:
    """Take the lock (waiting at most `wait_s` seconds) and return its key; WarehouseBusy otherwise."""
    pg_settings = settings or PgSettings.from_env()
    where = pg_settings.where()
    if where in _held:
        _held[where][1] += 1
        return where
    pg = connect(pg_settings)
    pg.autocommit = True
    deadline = time.monotonic() + max(wait_s, 0.0)
    while True:
        with pg.cursor() as cur:
            cur.execute("select pg_try_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
            if cur.fetchone()[0]:
                break
        if time.monotonic() >= deadline:
            holder = _holder(pg)
            pg.close()
            raise WarehouseBusy(f"another run is publishing to PostgreSQL {where} ({holder})")
        time.sleep(min(1.0, max(deadline - time.monotonic(), 0.05)))
    _held[where] = [pg, 1]
    return where


def release(where: str) -> None:
    entry = _held.get(where)
    if entry is None:
        return
    entry[1] -= 1
    if entry[1] == 0:
        del _held[where]
        pg = entry[0]
        try:
            with pg.cursor() as cur:
                cur.execute("select pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
        finally:
            pg.close()


@contextmanager
def postgres_lock(wait_s: float = 0.0) -> Iterator[None]:
    where = acquire(wait_s)
    try:
        yield
    finally:
        release(where)
