"""The shrink guard's advice: --allow-shrink only where files were really removed (no pipeline run)."""

from __future__ import annotations

from decimal import Decimal

from orchestration.run.guards import SourceCount, shrink_findings


def test_a_rejected_file_is_named_and_allow_shrink_is_not_suggested() -> None:
    # invoices: its one file was rejected this run, so 0 of 12 rows are loaded (100% fewer);
    # payments: a file removed, 2 of 10 rows left (80% fewer): a real removal
    before = {"invoices": SourceCount(1, 12), "payments": SourceCount(2, 10)}
    after = {"payments": SourceCount(1, 2)}
    found = shrink_findings(before, after, Decimal("0.20"), allowed=False, rejected_tables=frozenset({"invoices"}))
    (invoices,), (payments,) = found["invoices"], found["payments"]
    assert invoices.severity == "error"
    assert "--allow-shrink" not in invoices.message
    assert invoices.message.endswith("a file of this table was rejected this run (see its line): fix that file"
                                     " and run again")
    assert payments.message == (
        "payments: 2 rows landed against 10 in the published warehouse (80% fewer, more than the 20% allowed);"
        " restore the files, or run again with --allow-shrink if they were removed on purpose")


def test_within_the_threshold_nothing_is_said() -> None:
    # 10 -> 8 rows: 20% fewer is not more than 20%
    assert shrink_findings({"payments": SourceCount(2, 10)}, {"payments": SourceCount(2, 8)}, Decimal("0.20"),
                           allowed=False) == {}


def test_spark_without_pyspark_is_one_line(monkeypatch) -> None:
    """`make demo` installs no Spark: `--target spark` then says how to add it instead of failing in dbt."""
    import importlib.util

    import pytest

    from orchestration.commands import run as run_command

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name, *a))
    with pytest.raises(run_command.UserError, match=r"Spark support is not installed: run `make install-spark`"):
        run_command._check_target_installed("spark")
    run_command._check_target_installed("duckdb")  # nothing to install


def test_the_demo_does_not_wait_for_the_files_it_just_wrote(monkeypatch, tmp_path) -> None:
    """`revwh demo` writes its landing files and runs at once: with the default 30 s settling wait
    (REVWH_SETTLE_SECONDS, which the tests set to 0) it would load none of them."""
    import argparse

    import ingest.demo
    from orchestration.commands import run as run_command

    seen = {}
    monkeypatch.setattr(ingest.demo, "generate_landing", lambda *a, **k: {"contracting/clients.csv": 1})
    monkeypatch.setattr(run_command, "_execute", lambda *a, **k: seen.update(k) or 0)
    args = argparse.Namespace(dir=str(tmp_path), as_of="2026-10-15", size=5, seed=1)
    assert run_command._cmd_demo(args) == 0
    assert seen["settle_seconds"] == 0
