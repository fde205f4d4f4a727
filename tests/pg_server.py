"""A private PostgreSQL server for the tests of `--target postgres`: Debian's binaries, a new
cluster in a temporary directory, trust authentication on 127.0.0.1 and a free port.

The server is real (the engine revwh publishes to), started per test session and removed after.
CI installs the binaries (`.ci/run`); on a machine without them the PostgreSQL tests are skipped,
except under CI=true, where a missing server is a failure (the issue's tests must really run).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def postgres_bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: Debian keeps them off PATH, under /usr/lib/postgresql/<v>/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(args: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` user there."""
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


@contextmanager
def private_postgres() -> Iterator[dict[str, str]]:
    """Start a server; yield the REVWH_PG_* environment that reaches it (database `revwh`)."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL's initdb is not installed (Debian package postgresql)")
    root = Path(tempfile.mkdtemp(prefix="revwh-pg-"))
    data, sock = root / "data", root / "sock"
    data.mkdir()
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(data, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    log = root / "server.log"
    try:
        subprocess.run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                                        "--no-sync"]), check=True, capture_output=True)
        subprocess.run(_as_server_user([
            str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(log),
            "-o", f"-p {port} -k {sock} -h 127.0.0.1 -c fsync=off -c full_page_writes=off",
            "start"]), check=True, capture_output=True)
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres",
                        "-v", "ON_ERROR_STOP=1", "-q", "-c", "create database revwh"], check=True, capture_output=True)
        yield {"REVWH_PG_HOST": "127.0.0.1", "REVWH_PG_PORT": str(port), "REVWH_PG_USER": "postgres",
               "REVWH_PG_DATABASE": "revwh", "REVWH_PG_PASSWORD": ""}
    finally:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
