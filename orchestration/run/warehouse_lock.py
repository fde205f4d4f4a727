"""One writer per warehouse: an exclusive lock file beside it, held for the whole run.

Two runs on one warehouse would both build `<warehouse>.building` and publish over each other
(seen: a 12 KB file with no schemas). `filelock` gives an OS-level lock that the operating
system releases if the process dies, so a crashed run never leaves the warehouse locked. The
lock is re-entrant within a process (one singleton per path): the CLI takes it before it starts
the job, and the job's run lock resource (orchestration/pipeline/run_lock.py) takes it again for
runs launched from the UI, the schedule or the sensor.

Beside the lock, `<warehouse>.lock.json` says who holds it (pid, start time), so a refused run
can say whom it is waiting for.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout


class WarehouseBusy(Exception):
    """Another run holds the warehouse; the message is one line naming it."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def _holder_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock.json")


def _holder(warehouse: Path) -> str:
    try:
        info = json.loads(_holder_path(warehouse).read_text(encoding="utf-8"))
        return f"started {info['started']}, pid {info['pid']}"
    except (OSError, ValueError, KeyError):
        return "holder unknown"


def _lock(warehouse: Path) -> FileLock:
    return FileLock(str(lock_path(warehouse)), is_singleton=True, thread_local=False)


def acquire(warehouse: Path, wait_s: float = 0.0) -> FileLock:
    """Take the warehouse's lock, waiting at most `wait_s` seconds; WarehouseBusy otherwise."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock(warehouse)
    try:
        lock.acquire(timeout=max(wait_s, 0.0))
    except Timeout:
        raise WarehouseBusy(f"another run is writing {warehouse} ({_holder(warehouse)})") from None
    if lock.lock_counter == 1:
        started = datetime.now().astimezone().isoformat(timespec="seconds")
        _holder_path(warehouse).write_text(json.dumps({"pid": os.getpid(), "started": started}), encoding="utf-8")
    return lock


def release(lock: FileLock) -> None:
    lock.release()


def is_free(warehouse: Path) -> bool:
    """True when no other process holds the warehouse's lock (this one may: the lock is re-entrant).

    Takes the lock without waiting and gives it back at once, leaving `FILE.lock.json` alone.
    orchestration/pipeline/crashed_runs.py asks it before it takes an unfinished run for crashed."""
    if not warehouse.parent.is_dir():
        return True  # no directory, no lock file: nobody holds it
    lock = _lock(warehouse)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return False
    lock.release()
    return True


@contextmanager
def warehouse_lock(warehouse: Path, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the warehouse's lock for the block (see acquire)."""
    lock = acquire(warehouse, wait_s)
    try:
        yield
    finally:
        release(lock)
