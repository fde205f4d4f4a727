"""A failed run in lines a person can act on: failed gates, failed steps, dbt's failing models and
tests, a full disk said as such. `revwh run` prints them (orchestration/run/runner.py) and the
failure alert mails them (orchestration/pipeline/alerts.py): one wording for both."""

from __future__ import annotations

import re
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def failed_checks(events: list) -> list[str]:
    """One line per failed gate: which check on which asset, and its first reason."""
    lines = []
    for event in events:
        data = event.asset_check_evaluation_data if event.event_type_value == "ASSET_CHECK_EVALUATION" else None
        if data is None or data.passed or data.severity.value != "ERROR":
            continue
        meta = data.metadata or {}
        errors = meta.get("errors")
        reasons = list(errors.value) if errors is not None else []
        name = f"{data.asset_key.to_user_string()} {data.check_name}"
        if not reasons and data.description:
            reasons = [data.description]
        lines += [f"check {name} failed: {r}" for r in reasons[:5]] or [f"check {name} failed"]
    return lines


def step_failures(events: list, warehouse_dir: Path | None = None) -> list[str]:
    """One line per failed step, with the cause a person can act on (not Dagster's wrapper); a full
    disk is said as such, with the warehouse directory and its free space."""
    from ingest.disk_full import disk_full_line, says_disk_full

    lines = []
    for event in events:
        if not event.is_step_failure or event.step_failure_data is None:
            continue
        data = event.step_failure_data
        if data.user_failure_data is not None and data.user_failure_data.description:
            message = data.user_failure_data.description
        else:
            err = data.error
            while err is not None and err.cause is not None:
                err = err.cause  # the innermost error says what went wrong
            message = err.message if err is not None else "unknown error"
        first = message.strip().splitlines()[0] if message.strip() else "unknown error"
        if warehouse_dir is not None and not first.startswith("disk full") and says_disk_full(message):
            first = disk_full_line("writing", warehouse_dir, "to")
        lines.append(_shorten(f"step {event.step_key} failed: {first}"))
    return lines


LINE_MAX = 300  # characters of one failure line shown to a person; the rest is in the logs


def _shorten(line: str, limit: int = LINE_MAX) -> str:
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


_DBT_FAILURE = re.compile(
    r"(Failure in (?:test|model) \S+|Runtime Error in \S+.*|Got \d+ results?.*|"
    r"Database Error in \S+.*)"
)
_DBT_ERROR_HEAD = re.compile(r"(Runtime|Database|Compilation) Error in \S+")


def dbt_failures(dbt_log: str, warehouse_dir: Path | None = None) -> list[str]:
    """The lines of dbt's log that say which model or test failed and why.

    An error line ("Runtime Error in model ar_aging ...") gets the first line of its cause, which
    dbt prints on the next non-empty line, so the user sees why and not only where. dbt's own JSON
    log lines (echoed raw when dagster-dbt cannot parse them; tens of KB each) are not for a person:
    left out. Each line is cut at LINE_MAX characters. A full disk (DuckDB's "No space left on
    device", "Could not write ...") is one line naming the warehouse directory and its free space,
    in place of the lines that said it."""
    from ingest.disk_full import NO_SPACE, disk_full_line, says_disk_full

    every = [line for line in (ANSI.sub("", raw).strip() for raw in dbt_log.splitlines()) if line]
    lines = [line for line in every if not line.startswith("{")]
    disk_full = warehouse_dir is not None and (
        any(says_disk_full(line) for line in lines) or any(NO_SPACE in line for line in every if line.startswith("{")))
    picked = []
    for i, line in enumerate(lines):
        if not _DBT_FAILURE.search(line):
            continue
        if _DBT_ERROR_HEAD.search(line) and i + 1 < len(lines) and not _DBT_FAILURE.search(lines[i + 1]):
            line = f"{line}: {lines[i + 1]}"
        if disk_full and says_disk_full(line):
            continue
        picked.append(line)
    if disk_full:
        picked.insert(0, disk_full_line("dbt was writing", warehouse_dir, "to"))
    return [_shorten(f"dbt: {line}") for line in dict.fromkeys(picked)]


def dbt_stop_line(run_results: dict | None, target_dir: Path | None = None) -> str:
    """The one line a run that dbt stopped says in the Dagster UI: the first failed test (which
    test, on which model, how many rows) or errored model (its error's first line), how many more,
    and where dbt's own log is. Tests come first: a failed test is the data saying no (blocked), a
    model error is a fault. None of dbt's run results (dbt stopped before running anything): the
    log's place alone."""
    where = f"dbt's log: {target_dir / 'dbt.log'}" if target_dir is not None else "dbt's log"
    bad = [r for r in (run_results or {}).get("results", []) if r.get("status") in ("fail", "error")]
    if not bad:
        return f"dbt stopped before building the warehouse; see {where}"
    bad.sort(key=lambda r: (not r["unique_id"].startswith("test."), r["unique_id"]))
    first = bad[0]
    kind, _project, *rest = first["unique_id"].split(".")
    name = rest[0] if rest else first["unique_id"]
    # dbt's message: a head ("Runtime Error in model x (path)") then the cause on the next line
    message = [line.strip() for line in (first.get("message") or "").strip().splitlines() if line.strip()]
    if len(message) > 1 and _DBT_ERROR_HEAD.search(message[0]):
        message = message[1:]
    if kind == "test":
        failures = first.get("failures")
        head = f"dbt test {name} failed" + (f" ({failures} row(s))" if failures else "")
        head += f": {message[0]}" if message and first.get("status") == "error" else ""
        advice = "the data breaks a rule: fix it in the landing files and run again"
    else:
        head = f"dbt {kind} {name} failed" + (f": {message[0]}" if message else "")
        advice = "nothing was published"
    more = f"; {len(bad) - 1} more failure(s)" if len(bad) > 1 else ""
    return _shorten(f"{head}{more}; {advice}; {where}")
