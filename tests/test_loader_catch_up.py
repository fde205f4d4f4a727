"""The loader catching up an older generation of the warehouse gives what loading onto a copy of
the published warehouse gives (ingest/loader.py `earlier_loads`, orchestration/run/working_copy.py).

Three nights, each a landing state; generation k is the warehouse after night k:
  night 1 (T1)  clients.csv = H1 (C1 Toyota), clients_kia.csv (C2), clients_ford.csv (C3)
  night 2 (T2)  clients.csv = H2 (C1 renamed), clients_kia.csv removed, clients_ford.csv unchanged
  night 3 (T3)  clients.csv = H1 again (the change reverted), clients_ford.csv unchanged, clients_new.csv (C4)
The copy arm loads night 3 onto generation 2. The catch-up arm loads night 3 onto generation 1
with generation 2's registry as `earlier_loads`. Both must hold the same rows with the same load
times: clients.csv reloaded at T3 (generation 1 held the same bytes, loaded at T1, but the
published warehouse did not); clients_ford.csv keeps T1; clients_new.csv is T3. And the report must say what a
copy's says: clients_kia.csv was removed by night 2, not tonight; only clients.csv and clients_new.csv landed.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from ingest.landing import file_hash
from ingest.loader import load_landing
from tests.landing_builder import write_table

T1, T2, T3 = (datetime(2026, 11, d, 2, 0, 0) for d in (1, 2, 3))
CLIENT = ("C1", "A", "Toyota", "US", "USD", "")


def _state(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple], list[tuple]]:
    files = con.execute("select source_file, content_hash, loaded_at, row_count, status from raw._files"
                        " order by all").fetchall()
    rows = con.execute("select * from raw.clients order by all").fetchall()
    return files, rows


def _registry(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, datetime]]:
    rows = con.execute("select source_file, content_hash, loaded_at from raw._files").fetchall()
    return {p: (h, t) for p, h, t in rows}


def test_catch_up_equals_a_copy(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_table(landing, "clients", [CLIENT])
    kia = write_table(landing, "clients", [("C2", "B", "Kia", "US", "USD", "")], "clients_kia.csv")
    write_table(landing, "clients", [("C3", "C", "Ford", "US", "USD", "")], "clients_ford.csv")
    gen1 = duckdb.connect(str(tmp_path / "gen1.duckdb"))
    load_landing(gen1, landing, loaded_at=T1)
    gen1.close()
    shutil.copy2(tmp_path / "gen1.duckdb", tmp_path / "gen2.duckdb")  # night 2 on a copy of generation 1
    gen1, gen2 = (duckdb.connect(str(tmp_path / f"gen{k}.duckdb")) for k in (1, 2))
    write_table(landing, "clients", [("C1", "A renamed", "Toyota", "US", "USD", "")])
    kia.unlink()
    load_landing(gen2, landing, loaded_at=T2)
    published = _registry(gen2)

    write_table(landing, "clients", [CLIENT])  # night 3: the rename reverted, same bytes as night 1
    write_table(landing, "clients", [("C4", "D", "Mazda", "US", "USD", "")], "clients_new.csv")
    copy = load_landing(gen2, landing, loaded_at=T3)
    caught = load_landing(gen1, landing, loaded_at=T3, earlier_loads=published)

    assert _state(gen1) == _state(gen2)
    files, _rows = _state(gen1)
    assert [(f[0], f[2]) for f in files] == [
        ("contracting/clients.csv", T3), ("contracting/clients_ford.csv", T1), ("contracting/clients_new.csv", T3)]
    for report in (copy, caught):
        assert sorted(f.file for f in report.new_loads()) == ["contracting/clients.csv", "contracting/clients_new.csv"]
        assert report.removed == []
        assert report.rows_loaded("clients") == 2
    # clients_ford.csv: both registries hold the same bytes loaded at T1, so it is unchanged in both arms
    assert [f.file for f in caught.skipped] == ["contracting/clients_ford.csv"] == [f.file for f in copy.skipped]
    assert caught.caught_up == set()


def test_catch_up_reloads_last_nights_files_with_their_time(tmp_path: Path) -> None:
    """A file the published warehouse holds and the older generation does not is loaded with the
    published load time, counted as caught up, and not as landed tonight (so not gated again)."""
    landing = tmp_path / "landing"
    write_table(landing, "clients", [CLIENT])
    gen1 = duckdb.connect(str(tmp_path / "gen1.duckdb"))
    load_landing(gen1, landing, loaded_at=T1)
    write_table(landing, "clients", [("C2", "B", "Kia", "US", "USD", "")], "clients_kia.csv")
    published = {"contracting/clients_kia.csv": (file_hash(landing / "contracting" / "clients_kia.csv"), T2)}
    published["contracting/clients.csv"] = _registry(gen1)["contracting/clients.csv"]
    report = load_landing(gen1, landing, loaded_at=T3, earlier_loads=published)
    assert report.caught_up == {"contracting/clients_kia.csv"}
    assert report.new_loads() == [] and report.rows_loaded("clients") == 0
    kia = "contracting/clients_kia.csv"
    assert gen1.execute("select loaded_at from raw._files where source_file = ?", [kia]).fetchall() == [(T2,)]
    assert gen1.execute("select _loaded_at from raw.clients where _source_file = ?", [kia]).fetchall() == [(T2,)]


def test_the_gate_checks_what_landed_tonight_not_what_was_caught_up(tmp_path: Path) -> None:
    """A caught-up file was gated by the run that published it; gating it again could block or
    warn where a run on a copy would not (a copy does not re-check an unchanged file)."""
    from orchestration.run.quality import quality_findings

    landing = tmp_path / "landing"
    write_table(landing, "clients", [("C1", "A", "Toyota", "US", "", "")])  # currency missing
    con = duckdb.connect()
    report = load_landing(con, landing, loaded_at=T1)
    assert report.rows_loaded("clients") == 1
    as_landed = quality_findings(con, report, T1.date())
    assert any("currency" in f.message for f in as_landed["clients"]), as_landed
    report.caught_up.add("contracting/clients.csv")
    assert quality_findings(con, report, T1.date()) == {}
