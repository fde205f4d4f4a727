"""Landing files read from a stable snapshot, files still being written, links out of the landing
directory and a mistyped warehouse directory (docs/DECISIONS.md "Files being written, links, new
warehouses")."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

import ingest.loader
from ingest.landing import discover
from ingest.loader import load_landing
from tests.landing_builder import write_table

T0 = datetime(2026, 11, 1, 2, 0, 0)
T1 = datetime(2026, 11, 2, 2, 0, 0)
PAYMENTS = "accounting/payments.csv"
HEADER = "payment_id,client_id,payment_date,amount,method,reference,currency\n"
CHANGED = (f"{PAYMENTS} changed while it was being loaded; it was not loaded:"
           " run again when the export is complete")


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def _payments(landing: Path, rows: list[tuple]) -> Path:
    return write_table(landing, "payments", [("P1", "C1", "2026-10-02", amount, "wire", "", "USD") for amount in rows])


def _amounts(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("select amount from raw.payments order by _row_number").fetchall()]


def _registry(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    rows = con.execute("select source_file, status, content_hash, error from raw._files").fetchall()
    return {path: rest for path, *rest in rows}


def _old(path: Path, seconds: float = 3600) -> None:
    """Give `path` an mtime `seconds` ago: a file whose export finished long ago."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_rows_appended_while_the_file_loads_are_never_published_under_the_old_hash(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    path = _payments(landing, ["1234.56"])
    _old(path)
    real_read = ingest.loader.read_landing_file
    read_bytes: list[bytes] = []

    def appending_read(source: Path, *args: object, **kwargs: object) -> object:
        # the export goes on while revwh loads: a half-written row lands on disk
        with (landing / PAYMENTS).open("a", encoding="utf-8") as fh:
            fh.write("P2,C1,2026-10-03,12.00")
        read_bytes.append(Path(source).read_bytes())
        return real_read(source, *args, **kwargs)

    monkeypatch.setattr(ingest.loader, "read_landing_file", appending_read)
    report = load_landing(con, landing, loaded_at=T0)
    status, digest, error = _registry(con)[PAYMENTS]
    if report.rejected:  # refused: one line, nothing of it landed
        assert report.rejected == [("payments", PAYMENTS, CHANGED)]
        assert (status, error) == ("rejected", CHANGED)
        assert _amounts(con) == []
    else:  # loaded: the rows are those of the bytes the hash was taken of
        assert hashlib.sha256(read_bytes[0]).hexdigest() == digest
        assert _amounts(con) == ["1234.56"]
    assert "12.00" not in _amounts(con)


def test_a_file_changed_between_listing_and_loading_is_refused(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    landing = tmp_path / "landing"
    path = _payments(landing, ["1234.56"])
    _old(path)
    discovered = discover(landing)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("P2,C1,2026-10-03,12.00")
    _old(path)
    report = load_landing(con, landing, loaded_at=T0, discovered=discovered)
    assert report.rejected == [("payments", PAYMENTS, CHANGED)]
    assert _amounts(con) == []
    # the next run, the export complete, loads it
    report = load_landing(con, landing, loaded_at=T1)
    assert report.loaded == [("payments", PAYMENTS, 2)]
    assert _amounts(con) == ["1234.56", "12.00"]


def test_a_file_modified_just_now_waits_for_the_next_run(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    landing = tmp_path / "landing"
    path = _payments(landing, ["1234.56"])
    os.utime(path)  # now
    files, unknown = discover(landing, settle_seconds=30)
    assert files == []
    assert [u.rel_path for u in unknown] == [PAYMENTS]
    assert unknown[0].reason.startswith("still being written (modified ")
    assert unknown[0].reason.endswith("s ago): waits for the next run")
    report = load_landing(con, landing, loaded_at=T0, discovered=(files, unknown))
    assert report.loaded == [] and report.removed == []
    status, _digest, error = _registry(con)[PAYMENTS]
    assert (status, error) == ("not_loaded", unknown[0].reason)
    from orchestration.run.summary import _landed, _landed_lines

    assert f"  {PAYMENTS}: {unknown[0].reason}" in _landed_lines(*_landed(con))
    # settled (or a setting of 0): it loads
    report = load_landing(con, landing, loaded_at=T1, discovered=discover(landing, settle_seconds=0))
    assert report.loaded == [("payments", PAYMENTS, 1)]
    assert _registry(con)[PAYMENTS][0] == "loaded"


def test_a_loaded_file_being_rewritten_keeps_its_old_rows(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    landing = tmp_path / "landing"
    path = _payments(landing, ["1234.56"])
    _old(path)
    load_landing(con, landing, loaded_at=T0, discovered=discover(landing, settle_seconds=30))
    old_hash = _registry(con)[PAYMENTS][1]
    path.write_text(HEADER + "P1,C1,2026-10-02,12", encoding="utf-8")
    discovered = discover(landing, settle_seconds=30)
    report = load_landing(con, landing, loaded_at=T1, discovered=discovered)
    assert report.removed == [] and report.loaded == [] and report.rejected == []
    assert _amounts(con) == ["1234.56"]
    status, digest, error = _registry(con)[PAYMENTS]
    assert (status, digest) == ("loaded", old_hash)
    assert error.startswith("still being written (modified ")
    assert error.endswith("waits for the next run; its previous version stays loaded")
    from orchestration.run.summary import _landed, _landed_lines

    assert f"  {PAYMENTS}: {error}" in _landed_lines(*_landed(con))
    # once it has settled, the new version replaces the old and the note goes
    _old(path)
    path.write_text(HEADER + "P1,C1,2026-10-02,99.00,wire,,USD\n",
                    encoding="utf-8")
    _old(path)
    report = load_landing(con, landing, loaded_at=T1, discovered=discover(landing, settle_seconds=30))
    assert report.loaded == [("payments", PAYMENTS, 1)]
    assert _amounts(con) == ["99.00"]
    assert _registry(con)[PAYMENTS][2] is None


def test_the_settle_time_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.pipeline.definitions import settings_from_env
    from orchestration.settings import RevwhSettings

    monkeypatch.delenv("REVWH_SETTLE_SECONDS", raising=False)
    assert RevwhSettings().settle() == 30
    monkeypatch.setenv("REVWH_SETTLE_SECONDS", "5")
    assert RevwhSettings().settle() == 5 and settings_from_env().settle() == 5
    assert RevwhSettings(settle_seconds=0).settle() == 0


LINK_REASON = "a link to a file outside the landing directory: not loaded; copy the file in instead"


def test_a_link_to_a_file_outside_the_landing_directory_is_not_loaded(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    landing = tmp_path / "landing"
    _old(_payments(landing, ["1234.56"]))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    secret = outside / "hostname"
    secret.write_text("secret-host-name-42\n", encoding="utf-8")
    (landing / "contracting").mkdir()
    (landing / "contracting" / "clients.csv").symlink_to(secret)
    (outside / "invoices.csv").write_text("secret-host-name-42\n", encoding="utf-8")
    (landing / "fx").symlink_to(outside, target_is_directory=True)  # a folder link out
    # a link inside the landing directory to a file inside it may load
    archive = landing / "archive"
    archive.mkdir()
    kept = write_table(archive, "clients", [("C1", "A", "Toyota", "US", "USD", "a@x")], "c.csv")
    (landing / "contracting" / "clients_2026-10.csv").symlink_to(kept)
    files, unknown = discover(landing)
    assert sorted(f.rel_path for f in files) == ["accounting/payments.csv", "contracting/clients_2026-10.csv"]
    reasons = {u.rel_path: u.reason for u in unknown}
    assert reasons["contracting/clients.csv"] == LINK_REASON
    assert reasons["fx"] == LINK_REASON.replace("a file", "a folder")
    report = load_landing(con, landing, loaded_at=T0, discovered=(files, unknown))
    assert report.rejected == []
    assert ("clients", "contracting/clients_2026-10.csv", 1) in report.loaded
    registry = _registry(con)
    assert registry["contracting/clients.csv"][0] == "not_loaded"
    assert registry["contracting/clients.csv"][2] == LINK_REASON
    assert "secret-host-name-42" not in repr(registry) + repr(report)
    from orchestration.run.summary import _landed, _landed_lines

    assert "secret-host-name-42" not in "\n".join(_landed_lines(*_landed(con)))
    # the landing sensor sees the directory as the loader records it (no run for a link it skips)
    from orchestration.pipeline.sensors import scan_landing

    recorded = dict(con.execute("select source_file, content_hash from raw._files").fetchall())
    assert scan_landing(landing).files == recorded


def test_a_mistyped_warehouse_directory_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from orchestration.commands.cli import main
    from orchestration.commands.run import _check_run_paths

    landing = tmp_path / "landing"
    _payments(landing, ["1234.56"])
    missing = tmp_path / "wharehouse" / "nightly"
    code = main(["run", "--landing", str(landing), "--warehouse", str(missing / "revwh.duckdb"),
                 "--as-of", "2026-10-15"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (f"revwh: the warehouse directory {missing} does not exist: check the path, or add --new to"
                   " start a new warehouse there\n")
    assert not (tmp_path / "wharehouse").exists()
    # --new creates it (the run itself is not started here); an existing directory needs no --new
    _check_run_paths(landing, missing / "revwh.duckdb", "2026-10-15", new=True)
    assert missing.is_dir()
    _check_run_paths(landing, tmp_path / "revwh.duckdb", "2026-10-15")
