"""A damaged warehouse and missing reports: the ways back, and one line (never a traceback) for
user-side errors of `revwh sql`, `close` and `report`.

Starts from the shared spine run (tests/conftest.py, T = 2026-10-15), copied: each test changes
its own copy of the landing and the warehouse.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.landing_builder import query
from tests.test_spine_rules import AS_OF

REVWH = str(Path(sys.executable).parent / "revwh")


def revwh(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([REVWH, *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "REVWH_PROGRESS": "0"})


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corrupt(path: Path) -> None:
    """Garbage over the blocks after the file header: DuckDB's checksum refuses the file at open."""
    with path.open("r+b") as f:
        f.seek(4096)
        f.write(os.urandom(16384))


def one_line(proc: subprocess.CompletedProcess) -> str:
    """The single line a refused command prints: no traceback, nothing else."""
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("revwh"), proc.stderr
    return lines[0]


@pytest.fixture
def copied(spine_cli_run: tuple, tmp_path: Path) -> tuple[Path, Path, Path]:
    """(landing, warehouse, the shared run's reports folder): the landing and warehouse copied."""
    landing0, wh0, proc = spine_cli_run
    assert proc.returncode == 0, proc.stderr
    landing, wh = tmp_path / "landing", tmp_path / "revwh.duckdb"
    shutil.copytree(landing0, landing)
    shutil.copy2(wh0, wh)
    return landing, wh, wh0.parent / "reports"


# -- 1. reports missing after a publish ----------------------------------------------------------
def test_expected_reports_are_what_write_reports_wrote(spine_cli_run: tuple) -> None:
    from orchestration.reports.missing import expected_reports, missing_reports

    _landing, wh0, _proc = spine_cli_run
    out = wh0.parent / "reports"
    as_of, expected = expected_reports(wh0, out)
    written = {p for p in out.rglob("*") if p.is_file()}
    assert as_of.isoformat() == AS_OF
    assert set(expected) == written and len(expected) == len(written)
    assert any(p.suffix == ".pdf" for p in expected)  # the statements are counted one by one
    assert missing_reports(wh0, out) == (as_of, [])


@pytest.mark.parametrize("lost", ["one file", "the whole folder"])
def test_an_unchanged_run_writes_missing_reports(copied: tuple[Path, Path, Path], lost: str) -> None:
    from orchestration.reports.missing import missing_reports

    landing, wh, shared_reports = copied
    reports = wh.parent / "reports"
    if lost == "one file":
        shutil.copytree(shared_reports, reports)
        gone = reports / f"coop-claims-{AS_OF}.csv"
        kept = reports / f"revwh-billing-{AS_OF}.xlsx"
        gone.unlink()
        before = kept.stat().st_mtime_ns
    # (the whole folder: the copy of the warehouse has none beside it)
    published = digest(wh)
    proc = revwh("run", "--landing", str(landing), "--warehouse", str(wh), "--as-of", AS_OF)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    # the run was 'unchanged': dbt, publish skipped, the published file not replaced
    assert "Nothing changed since the published warehouse was built" in proc.stdout
    assert digest(wh) == published
    assert f"Reports for {AS_OF} were missing: written now" in proc.stdout
    assert missing_reports(wh, reports)[1] == []
    if lost == "one file":
        assert gone.is_file() and kept.stat().st_mtime_ns >= before
        # every file is as the publishing run wrote it (the same marts): the CSV byte for byte
        assert gone.read_bytes() == (shared_reports / gone.name).read_bytes()


# -- 2. a damaged warehouse and `revwh restore` --------------------------------------------------
def test_restore_from_previous_keeps_the_closes(copied: tuple[Path, Path, Path]) -> None:
    landing, wh, _reports = copied
    closed = revwh("close", "--month", "2026-09", "--warehouse", str(wh))
    assert closed.returncode == 0, closed.stderr
    # FILE.previous by hand: the shared run was a first (full) build, which keeps no previous
    # generation; a later incremental publish would have kept this very file as FILE.previous
    previous = wh.with_name(wh.name + ".previous")
    shutil.copy2(wh, previous)
    corrupt(wh)
    damaged = digest(wh)

    refused = revwh("run", "--landing", str(landing), "--warehouse", str(wh), "--as-of", AS_OF)
    lines = refused.stderr.strip().splitlines()
    assert refused.returncode == 1 and "Traceback" not in refused.stderr + refused.stdout, refused.stderr
    assert lines[0].startswith("revwh run: landing ") and len(lines) == 2, refused.stderr
    assert lines[1].startswith(f"revwh: the warehouse {wh} cannot be read (Corrupt database file: ")
    assert lines[1].endswith(f"): restore it with `revwh restore --warehouse {wh}` (from {wh}.previous or a backup)")
    assert digest(wh) == damaged

    restored = revwh("restore", "--warehouse", str(wh))
    assert restored.returncode == 0, restored.stderr
    out = restored.stdout
    assert out.startswith(f"revwh restore: {wh} restored from {previous} (as of {AS_OF})")
    assert "1 close(s) in closed.close_log (closed now: 2026-09)" in out
    assert "the next `revwh run` brings it up to date from the landing files" in out
    (aside,) = wh.parent.glob(f"{wh.name}.damaged-*")
    assert aside.name in out and digest(aside) == damaged  # moved aside, never deleted
    assert not wh.with_name(wh.name + ".restoring").exists()
    assert query(wh, "select month::varchar, status from closed.close_log") == [("2026-09-01", "closed")]

    # the next run brings it up to date and keeps the close
    again = revwh("run", "--landing", str(landing), "--warehouse", str(wh), "--as-of", AS_OF)
    assert again.returncode == 0, again.stderr
    assert query(wh, "select month::varchar, status from closed.close_log") == [("2026-09-01", "closed")]
    assert query(wh, "select count(*) from closed.figures")[0][0] > 0
    assert query(wh, "select count(*) from marts.post_close_adjustments") == [(0,)]


def test_restore_refusals(tmp_path: Path) -> None:
    from orchestration.run.warehouse_lock import warehouse_lock

    wh = tmp_path / "revwh.duckdb"
    wh.write_bytes(b"\0" * 8192)
    line = one_line(revwh("restore", "--warehouse", str(wh)))
    assert line == (f"revwh: nothing to restore from: {wh}.previous does not exist (no previous generation is"
                    " kept after a failed run, a full rebuild or the first run); pass --from BACKUP"
                    " (a copy of the warehouse)")
    text = tmp_path / "notes.txt"
    text.write_text("not a warehouse\n", encoding="utf-8")
    line = one_line(revwh("restore", "--warehouse", str(wh), "--from", str(text)))
    assert line.startswith(f"revwh: cannot restore from {text}: DuckDB cannot read it (IO Error: ")
    line = one_line(revwh("restore", "--warehouse", str(wh), "--from", str(tmp_path / "none.duckdb")))
    assert line.startswith(f"revwh: nothing to restore from: {tmp_path / 'none.duckdb'} does not exist")
    import duckdb

    foreign = tmp_path / "foreign.duckdb"
    duckdb.connect(str(foreign)).close()
    line = one_line(revwh("restore", "--warehouse", str(wh), "--from", str(foreign)))
    assert "it has no raw schema, so it is not a revwh warehouse" in line
    good = tmp_path / "good.duckdb"
    con = duckdb.connect(str(good))
    con.execute("create schema raw; create table raw._files as select 1 as x")
    con.close()
    with warehouse_lock(wh):  # a run writing: refused, nothing moved
        line = one_line(revwh("restore", "--warehouse", str(wh), "--from", str(good)))
    assert line.startswith(f"revwh: another run is writing {wh}")
    assert wh.read_bytes() == b"\0" * 8192 and not list(tmp_path.glob("*.damaged-*"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "foreign.duckdb", "good.duckdb", "notes.txt", "revwh.duckdb", "revwh.duckdb.lock", "revwh.duckdb.lock.json"]


# -- 3. one line for user-side errors of sql, close and report -----------------------------------
@pytest.fixture(scope="module")
def files(spine_cli_run: tuple, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    _landing, wh0, proc = spine_cli_run
    assert proc.returncode == 0, proc.stderr
    base = tmp_path_factory.mktemp("one_line")
    good, text, damaged = base / "revwh.duckdb", base / "text.duckdb", base / "damaged.duckdb"
    shutil.copy2(wh0, good)
    shutil.copy2(wh0, damaged)
    corrupt(damaged)
    text.write_text("select * from marts.ar_aging;\n", encoding="utf-8")
    return {"good": good, "text": text, "damaged": damaged, "missing": base / "none.duckdb"}


CASES = [
    # (command, which file, what the line must name)
    (("sql", "select 1"), "missing", "no warehouse at {path}"),
    (("sql", "select 1"), "text", "the warehouse {path} cannot be read (IO Error: The file"),
    (("sql", "select 1"), "damaged", "the warehouse {path} cannot be read (Corrupt database file"),
    (("sql", "selec * from marts.ar_aging"), "good", "Parser Error: syntax error at or near"),
    (("sql", "select * from marts.no_such_mart"), "good", "Catalog Error: Table with name no_such_mart does not exist"),
    (("close", "--month", "2026-13"), "good", "expected a month YYYY-MM, got '2026-13'"),
    (("close", "--month", "2026-10"), "good", "cannot close 2026-10: the warehouse is as of 2026-10-15"),
    (("close", "--month", "2026-09"), "missing", "no warehouse at {path}"),
    (("close", "--month", "2026-09"), "text", "the warehouse {path} cannot be read (IO Error: The file"),
    (("close", "--month", "2026-09"), "damaged", "the warehouse {path} cannot be read (Corrupt database file"),
    (("reopen", "--month", "2026-09", "--reason", "typo"), "text", "the warehouse {path} cannot be read"),
    (("report",), "missing", "no warehouse at {path}"),
    (("report",), "text", "the warehouse {path} cannot be read (IO Error: The file"),
    (("report",), "damaged", "the warehouse {path} cannot be read (Corrupt database file"),
]


@pytest.mark.parametrize(("args", "which", "cause"), CASES, ids=[f"{c[0][0]}-{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_user_errors_are_one_line(files: dict[str, Path], tmp_path: Path, args: tuple[str, ...], which: str,
                                  cause: str) -> None:
    path = files[which]
    extra = ("--out", str(tmp_path / "reports")) if args[0] == "report" else ()
    line = one_line(revwh(*args, "--warehouse", str(path), *extra))
    assert cause.format(path=path) in line, line
    if which in ("text", "damaged"):
        assert line.endswith(f"restore it with `revwh restore --warehouse {path}` (from {path}.previous or a backup)")
    if which == "good":
        assert query(path, "select count(*) from closed.close_log") == [(0,)]  # nothing was closed
