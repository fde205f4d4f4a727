"""The demo generator: deterministic, complete, and shaped by the landing contract."""

from __future__ import annotations

import csv
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl

from ingest.contract import TABLES
from ingest.demo import generate_landing

AS_OF = date(2026, 10, 15)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    a = generate_landing(tmp_path / "a", as_of=AS_OF, size=15, seed=3)
    b = generate_landing(tmp_path / "b", as_of=AS_OF, size=15, seed=3)
    assert a == b
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    generate_landing(tmp_path / "c", as_of=AS_OF, size=15, seed=4)
    assert _files(tmp_path / "c") != _files(tmp_path / "a")


def test_every_table_present_with_spec_columns_and_exact_money(tmp_path: Path) -> None:
    counts = generate_landing(tmp_path, as_of=AS_OF, size=15, seed=3)
    for table in TABLES:
        files = [f for f in counts if f.startswith(table.folder + "/") and (
            table.folder.startswith("ads/") or Path(f).name.startswith(table.name))]
        assert files, table.name
        for f in files:
            path = tmp_path / f
            header = pl.read_parquet(path).columns if path.suffix == ".parquet" else next(csv.reader(path.open()))
            assert tuple(header) == table.columns, f
    money = re.compile(r"^-?\d+\.\d{2}$")
    with (tmp_path / "accounting" / "invoice_lines.csv").open() as fh:
        amounts = [r["amount"] for r in csv.DictReader(fh)]
    assert amounts and all(money.match(a) for a in amounts)


def test_demo_has_the_situations_the_warehouse_must_handle(tmp_path: Path) -> None:
    generate_landing(tmp_path, as_of=AS_OF, size=120, seed=7)

    def rows(rel: str) -> list[dict[str, str]]:
        with (tmp_path / rel).open() as fh:
            return list(csv.DictReader(fh))

    clients = rows("contracting/clients.csv")
    contracts = rows("contracting/contracts.csv")
    assert {"USD", "CAD"} <= {c["currency"] for c in clients}
    assert any(c["end_date"] for c in contracts)  # cancellations
    assert any(c["program_code"] for c in contracts)  # co-op enrolment
    by_product = {}
    reactivated = 0
    for c in sorted(contracts, key=lambda c: c["start_date"]):
        key = (c["client_id"], c["product_code"])
        reactivated += key in by_product and bool(by_product[key]["end_date"])
        by_product[key] = c
    assert reactivated > 0
    assert len(list((tmp_path / "ads" / "meta_ads").glob("*_pull_*.csv"))) == 10  # nightly re-pulls
    lines = rows("accounting/invoice_lines.csv")
    invoices = rows("accounting/invoices.csv")
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line["invoice_id"]] = totals.get(line["invoice_id"], Decimal(0)) + Decimal(line["amount"])
    mismatched = sum(totals[i["invoice_id"]] != Decimal(i["total_amount"]) for i in invoices)
    assert 0 < mismatched <= 0.05 * len(invoices)  # a few header totals deliberately off
    assert {m["reason"] for m in rows("accounting/credit_memos.csv")} >= {"underspend"}
    assert rows("accounting/write_offs.csv")
