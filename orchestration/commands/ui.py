"""`revwh ui`: the Dagster UI and daemon (`dagster dev`) on 127.0.0.1, stopped as one process group.

A taken port is refused before anything starts (else the daemon would run with no web page); when
revwh gets SIGTERM or Ctrl-C, or the webserver stops answering, the whole group is stopped.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from orchestration.commands.errors import UserError

REPO_ROOT = Path(__file__).resolve().parents[2]  # orchestration/commands/ui.py: workspace.yaml is there


def _cmd_ui(args: argparse.Namespace) -> int:
    from orchestration.pipeline.instance import dagster_home

    _check_port_free(args.port)  # before anything starts: else the daemon runs with no web page
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home())}
    if args.landing:
        env["REVWH_LANDING"] = str(Path(args.landing).resolve())
    if args.warehouse:
        env["REVWH_WAREHOUSE"] = str(Path(args.warehouse).resolve())
    dagster = Path(sys.executable).parent / "dagster"
    # `dagster dev` starts the webserver and the daemon together, so the schedule and sensors fire.
    cmd = [
        str(dagster) if dagster.exists() else "dagster",
        "dev",
        "-w",
        str(REPO_ROOT / "workspace.yaml"),
        "-h",
        UI_HOST,
        "-p",
        str(args.port),
    ]
    print(f"revwh ui: Dagster UI on http://{UI_HOST}:{args.port} (Ctrl-C to stop)", file=sys.stderr)
    # its own process group: revwh stops the whole group (webserver, daemon, code servers, runs)
    return _serve_until_stopped(subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, start_new_session=True),
                                port=args.port)


UI_HOST = "127.0.0.1"
STOP_GRACE_SECONDS = 3.0  # `dagster dev` alone gets SIGTERM; what is left of its group then, SIGKILL


def _check_port_free(port: int) -> None:
    """One line when the port is taken: `dagster dev` would start its daemon, fail to start the
    webserver and go on running with no web page."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the webserver binds: TIME_WAIT is free
        try:
            probe.bind((UI_HOST, port))
        except OSError:
            raise UserError(f"port {port} on {UI_HOST} is already in use (another `revwh ui`?): stop it, or"
                            f" choose another port with --port, e.g. `revwh ui --port {port + 1}`") from None


def _serving(port: int) -> bool:
    import socket

    try:
        socket.create_connection((UI_HOST, port), timeout=1).close()
    except OSError:
        return False
    return True


def _serve_until_stopped(dagster_dev: subprocess.Popen, port: int | None = None, poll_seconds: float = 1.0) -> int:
    """Wait for `dagster dev` (started in a process group of its own); stop the whole group when
    revwh gets SIGTERM or SIGINT (Ctrl-C), and when the webserver stops answering on `port` after
    it had (the daemon alone is no use to anyone).

    Stopping: SIGTERM to `dagster dev` alone, which stops its webserver, daemon and code servers
    within seconds (signalled all at once they can hang: measured, still up a minute later); after
    STOP_GRACE_SECONDS whatever is left of the group is killed. Returns `dagster dev`'s exit code."""
    import signal

    requested: list[int] = []
    handler = lambda sig, _frame: requested.append(sig)  # noqa: E731
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        served, failures = False, 0
        while not requested:
            try:
                code = dagster_dev.wait(timeout=poll_seconds)
            except subprocess.TimeoutExpired:
                pass
            else:
                _kill_group(dagster_dev.pid)  # children it left behind
                return code
            if port is None:
                continue
            if _serving(port):
                served, failures = True, 0
            elif served:
                failures += 1
                if failures >= 3:
                    print(f"revwh ui: the Dagster webserver on port {port} stopped; stopping the daemon too",
                          file=sys.stderr)
                    break
        return _stop(dagster_dev) if requested else (_stop(dagster_dev) or 1)
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _stop(dagster_dev: subprocess.Popen) -> int:
    import signal

    try:
        dagster_dev.send_signal(signal.SIGTERM)
        code = dagster_dev.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        _kill_group(dagster_dev.pid)
        code = dagster_dev.wait()
    _kill_group(dagster_dev.pid)
    return code


def _kill_group(pgid: int) -> None:
    """SIGKILL what is left of the process group `pgid` (nothing: nothing to do)."""
    import signal

    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    """`revwh ui [--port N] [--landing DIR] [--warehouse FILE]`."""
    ui = sub.add_parser("ui", help="start the Dagster UI and daemon on 127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.add_argument("--landing", help="landing directory for runs launched from the UI")
    ui.add_argument("--warehouse", help="warehouse file for runs launched from the UI")
    ui.set_defaults(func=_cmd_ui)
