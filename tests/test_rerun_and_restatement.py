"""Re-running is idempotent, and a re-pull file changes only the days it restates.

Runs the real pipeline four times on one warehouse: the landing of test_spine_rules; the same
landing again with --rebuild (a full rebuild must change nothing); the same landing once more
(nothing new: the run stops after the landing step, nothing rebuilt or published); then the same
plus a later Google pull restating one account-day.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from orchestration.run.runner import run_pipeline
from orchestration.run.working_copy import previous_generation
from tests.landing_builder import query, run_pipeline_ok, write_table
from tests.test_spine_rules import AS_OF, _g

MARTS = ("fct_ad_spend_daily", "budget_pacing", "underspend_credits", "coop_reimbursement", "data_exceptions")


def mart_fingerprint(wh: Path, mart: str) -> str:
    rows = query(wh, f"select * from marts.{mart}")
    return hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, spine_cli_run: tuple) -> dict[str, object]:
    # The first run is the session's shared `revwh run` over the spine landing (tests/conftest.py),
    # continued here on copies of its landing and warehouse.
    landing0, wh0, proc = spine_cli_run
    assert proc.returncode == 0, proc.stderr
    base = tmp_path_factory.mktemp("rerun")
    landing, wh = base / "landing", base / "revwh.duckdb"
    shutil.copytree(landing0, landing)
    shutil.copy2(wh0, wh)
    first = {m: mart_fingerprint(wh, m) for m in MARTS}
    first_fact = query(wh, "select platform, account_id, campaign_id, spend_date, spend from marts.fct_ad_spend_daily")
    files_first = query(wh, "select source_file, content_hash, loaded_at from raw._files order by 1")
    run_pipeline_ok(landing, wh, AS_OF, rebuild=True)
    second = {m: mart_fingerprint(wh, m) for m in MARTS}
    files_second = query(wh, "select source_file, content_hash, loaded_at from raw._files order by 1")
    published_second = query(wh, "select run_id from raw._published_run")
    inode_second = wh.stat().st_ino  # publish replaces the file: a new inode
    kept_after_rebuild = previous_generation(wh).exists()
    idle = run_pipeline(landing, wh, AS_OF)
    idle_state = dict(outcome=idle, published=query(wh, "select run_id from raw._published_run"),
                      inode=wh.stat().st_ino, marts={m: mart_fingerprint(wh, m) for m in MARTS},
                      building_left=wh.with_name(wh.name + ".building").exists())
    # A later pull restates Oct 10 for account 2220001111: campaign A 400.00 -> 500.00
    write_table(landing, "google_ads", [
        _g("2026-10-10", "2220001111", "A", 500_000_000, "2026-10-14T02:00:00Z"),
    ], "google_pull_2026-10-14.csv")
    run_pipeline_ok(landing, wh, AS_OF)
    kept_after_restatement = previous_generation(wh).exists()
    third_fact = query(wh, "select platform, account_id, campaign_id, spend_date, spend from marts.fct_ad_spend_daily")
    k5 = query(wh, "select spend_to_date from marts.budget_pacing where contract_id = 'K5'")
    return dict(first=first, second=second, files_first=files_first, files_second=files_second,
                first_fact=first_fact, third_fact=third_fact, k5=k5, published_second=published_second,
                inode_second=inode_second, idle=idle_state,
                kept=(kept_after_rebuild, kept_after_restatement))


def test_second_run_on_same_files_changes_nothing(runs: dict) -> None:
    assert runs["first"] == runs["second"]
    # Unchanged files are not reloaded: same hash and same load time
    assert runs["files_first"] == runs["files_second"]


def test_a_run_with_nothing_new_rebuilds_and_publishes_nothing(runs: dict) -> None:
    idle = runs["idle"]
    assert idle["outcome"].success and idle["outcome"].unchanged and not idle["outcome"].published
    # the published warehouse is the very file the rebuild published: same inode, same run
    assert idle["inode"] == runs["inode_second"]
    assert idle["published"] == runs["published_second"]
    assert idle["marts"] == runs["second"]
    assert not idle["building_left"]


def test_repull_changes_only_the_restated_day(runs: dict) -> None:
    before = {r[:4]: r[4] for r in runs["first_fact"]}
    after = {r[:4]: r[4] for r in runs["third_fact"]}
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert changed == {("google_ads", "2220001111", "A", date(2026, 10, 10))}
    assert after[("google_ads", "2220001111", "A", date(2026, 10, 10))] == D("500.00")
    # K5 spend to date: 650 + 300 + 500 = 1450.00
    assert runs["k5"] == [(D("1450.00"),)]


def test_a_full_rebuild_keeps_no_previous_generation(runs: dict) -> None:
    # After --rebuild the next run must copy the rebuilt file: catching up on the generation the
    # rebuild replaced would bring back whatever the rebuild was run to repair. The restatement
    # run after it is incremental and keeps the rebuilt warehouse as the next previous generation.
    assert runs["kept"] == (False, True)
