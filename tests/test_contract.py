"""The landing contract is declared once (ingest/contract.py) and everything else follows it.

The generated dbt base models, the base-model macro and docs/landing-contract.md must be current;
the dbt currency macro must hold the same codes; and a change to the declaration must reach the
loader, the Great Expectations suites, the staging SQL and the docs without another edit.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from expectations import build_suites
from ingest import contract_codegen
from ingest.contract import (
    COVERAGE_SUFFIX,
    ISO_CURRENCIES,
    TABLES,
    TABLES_BY_NAME,
    Column,
    LandedTable,
    RowCheck,
    replace_table,
)
from ingest.landing import LANDING_FOLDERS, table_for
from ingest.reader import FileRejected, read_landing_file

ROOT = Path(__file__).resolve().parents[1]


def test_generated_files_are_current() -> None:
    """Base models, the landed_base_models macro and the landing doc match the declaration."""
    stale, stray = contract_codegen.stale_files()
    assert (stale, stray) == ([], []), "run: .venv/bin/python -m ingest.contract_codegen"
    assert contract_codegen.main(["--check"]) == 0


def test_check_reports_stale_and_stray_files(tmp_path: Path) -> None:
    """In an empty tree everything is stale; a base model nobody declared is reported, never deleted."""
    stray = tmp_path / "dbt_project/models/staging/contracting/base/base_contracting__old_table.sql"
    stray.parent.mkdir(parents=True)
    stray.write_text("select 1\n", encoding="utf-8")
    stale, strays = contract_codegen.stale_files(root=tmp_path)
    assert set(stale) == set(contract_codegen.generated_files())
    assert strays == [stray.relative_to(tmp_path)]


def test_iso_currencies_equal_the_dbt_macro() -> None:
    text = (ROOT / "dbt_project/macros/iso_currencies.sql").read_text(encoding="utf-8")
    body = text.split("{% macro iso_currency_list() -%}", 1)[1].split("{%- endmacro %}", 1)[0]
    assert tuple(re.findall(r"'([A-Z]{3})'", body)) == ISO_CURRENCIES
    assert len(set(ISO_CURRENCIES)) == len(ISO_CURRENCIES)


def test_public_names_keep_their_shape() -> None:
    """The loader, reader, demo generator and connectors read `.columns` as landed names in order."""
    clients = TABLES_BY_NAME["clients"]
    assert clients.columns == ("client_id", "client_name", "oem", "country", "currency", "billing_email")
    assert (clients.folder, clients.source, clients.is_ad_platform) == ("contracting", "contracting", False)
    google = TABLES_BY_NAME["google_ads"]
    assert (google.folder, google.source, google.is_ad_platform) == ("ads/google_ads", "google_ads", True)
    assert google.columns[0] == "segments_date" and google.landed_name("spend_date") == "segments_date"
    assert TABLES_BY_NAME["ad_coverage"].source == "ads"
    assert list(TABLES_BY_NAME) == [t.name for t in TABLES] and len(TABLES) == 22


def test_a_declaration_mistake_fails_at_import_not_in_dbt() -> None:
    clients = TABLES_BY_NAME["clients"]
    with pytest.raises(ValueError, match="key names unknown column"):
        replace(clients, key=("client_code",))
    with pytest.raises(ValueError, match="unknown kind"):
        Column("amount", "float")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="platform"):
        Column("account_id", "account_id")
    with pytest.raises(ValueError, match="row check"):
        replace(TABLES_BY_NAME["invoices"], row_checks=(RowCheck("paid_date", '"paid_date" < "due_date"', "late"),))


def test_landing_rules_follow_each_tables_declared_file_rule() -> None:
    """ingest/landing.py sorts files as the declaration (and so docs/landing-contract.md) says."""
    platform_folders = [t.folder for t in TABLES if t.file_rule == "platform_folder"]
    assert LANDING_FOLDERS == sorted({t.folder for t in TABLES if t.file_rule != "coverage_file"})
    for t in TABLES:
        if t.file_rule == "name_prefix":
            for name in (f"{t.name}.csv", f"{t.name}_2026-03.parquet", f"{t.name.upper()}2026-03.csv"):
                assert table_for(t.folder, name) is t, (t.name, name)
        elif t.file_rule == "platform_folder":
            assert table_for(t.folder, "pull_2026-10-15.csv") is t
            assert table_for(t.folder, "anything.parquet") is t
        else:
            for folder in platform_folders:
                assert table_for(folder, f"pull_2026-10-15{COVERAGE_SUFFIX}.csv") is t, folder


def _modified_declaration() -> tuple[LandedTable, ...]:
    """billing_email required, a new payment method, a new clients column and a new table."""
    clients = TABLES_BY_NAME["clients"].with_column("billing_email", required=True)
    clients = replace(
        clients,
        column_specs=(*clients.column_specs, Column("account_manager", required=True, description="Who owns it.")),
    )
    payments = TABLES_BY_NAME["payments"]
    payments = payments.with_column("method", enum=(*payments.column("method").enum, "paypal"))
    refunds = LandedTable(
        "refunds",
        "accounting",
        "Money paid back to a client.",
        (
            Column("refund_id", required=True, description="Refund number."),
            Column("refund_date", "date", required=True, description="Date of the refund."),
            Column("currency", "currency", required=True, description="Currency of the refund."),
            Column("amount", "money", required=True, nonneg=True, description="Amount refunded."),
        ),
        key=("refund_id",),
    )
    return (*replace_table(replace_table(TABLES, clients), payments), refunds)


def test_a_declaration_change_reaches_loader_suites_sql_and_docs(tmp_path: Path) -> None:
    tables = _modified_declaration()
    by_name = {t.name: t for t in tables}
    clients, payments = by_name["clients"], by_name["payments"]

    # Loader: the reader expects the declared columns, so a file without the new one is rejected.
    landed = tmp_path / "clients.csv"
    landed.write_text(",".join(TABLES_BY_NAME["clients"].columns) + "\nC001,Dealer,Kia,CA,CAD,a@b.example\n")
    read = read_landing_file(landed, "contracting/clients.csv", "csv", TABLES_BY_NAME["clients"].columns)
    assert read.frame.height == 1
    with pytest.raises(FileRejected, match="missing column.s. account_manager"):
        read_landing_file(landed, "contracting/clients.csv", "csv", clients.columns)

    # Great Expectations: the suites built from the changed declaration carry the change.
    before, after = build_suites.build(), build_suites.build(tables)
    rules = {t: {e["meta"]["rule"] for e in s["expectations"]} for t, s in after.items()}
    assert "required:billing_email" in rules["clients"]
    assert "required:billing_email" not in {e["meta"]["rule"] for e in before["clients"]["expectations"]}
    assert {"present:account_manager", "required:account_manager"} <= rules["clients"]
    assert after["clients"]["meta"]["columns"] == list(clients.columns)
    method_sets = [e["kwargs"]["value_set"] for e in after["payments"]["expectations"]
                   if e["meta"]["rule"] == "in_set:method"]
    assert method_sets == [["card", "ach", "check", "wire", "paypal"]] * 2  # warning and error copies
    assert {"present:refund_id", "required:amount", "date:refund_date", "currency:currency", "money:amount",
            "unique_in_file:refund_id"} <= rules["refunds"]
    # Nothing else moves: the other tables' suites are exactly the checked-in ones.
    assert {t: s for t, s in after.items() if t not in ("clients", "payments", "refunds")} == {
        t: s for t, s in before.items() if t not in ("clients", "payments")}

    # dbt: the generated base models and the base-model list.
    clients_sql = contract_codegen.render_base_model(clients)
    assert '{"name": "billing_email", "required": true}' in clients_sql
    assert '{"name": "billing_email"}' in contract_codegen.render_base_model(TABLES_BY_NAME["clients"])
    assert '{"name": "account_manager", "required": true}' in clients_sql
    assert '"enum": ["card", "ach", "check", "wire", "paypal"]' in contract_codegen.render_base_model(payments)
    files = contract_codegen.generated_files(tables)
    refunds_sql = files[Path("dbt_project/models/staging/accounting/base/base_accounting__refunds.sql")]
    assert "stage_validate('accounting', 'refunds'," in refunds_sql and 'key=["refund_id"]' in refunds_sql
    assert "('accounting', 'refunds')" in files[contract_codegen.MACRO_PATH]

    # Docs: the coordinator's page says the same.
    doc = files[contract_codegen.DOC_PATH]
    assert "| `billing_email` | text | yes |" in doc
    assert "| `billing_email` | text |  |" in contract_codegen.render_landing_doc()
    assert "`card`, `ach`, `check`, `wire`, `paypal`" in doc
    assert "### `refunds`" in doc and "`accounting/refunds*.csv`" in doc
    assert "`refunds.currency`" in doc  # listed under the currency rule


def _macro_calls(sql: str) -> tuple[list[tuple[tuple[object, ...], dict[str, object]]], dict[str, object]]:
    """The staging macro call of a base model (stage_validate, or stage_spend_rows for a spend
    table, which is stage_validate plus pull coverage), with its arguments, and its config."""
    import jinja2

    calls: list[tuple[tuple[object, ...], dict[str, object]]] = []
    config: dict[str, object] = {}
    jinja2.Environment().from_string(sql).render(
        config=lambda **k: config.update(k) or "",
        stage_validate=lambda *a, **k: calls.append((a, k)) or "",
        stage_spend_rows=lambda name, **k: calls.append(((name, name), {**k, "coverage": True})) or "",
        delete_replaced_file_rows=lambda name: f"delete_replaced_file_rows({name})",
        incremental_materialization=lambda: "incremental",  # DuckDB's and PostgreSQL's (a table on Spark)
    )
    return calls, config


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_generated_base_models_keep_stage_validates_arguments(table: LandedTable) -> None:
    """Reading a generated file back gives the declaration: the SQL says what contract.py says."""
    calls, config = _macro_calls(contract_codegen.render_base_model(table))
    [(args, kwargs)] = calls
    assert args == (table.source, table.name)
    assert [c["name"] for c in kwargs["columns"]] == list(table.columns)
    assert [c.get("as", c["name"]) for c in kwargs["columns"]] == [c.typed_name for c in table.column_specs]
    assert [c.get("required", False) for c in kwargs["columns"]] == [c.required for c in table.column_specs]
    assert [c.get("kind", "text") for c in kwargs["columns"]] == [c.kind for c in table.column_specs]
    assert kwargs["key"] == list(table.key)
    assert kwargs.get("partition") in (None, list(table.partition))
    assert [rc["when"] for rc in kwargs["row_checks"]] == [rc.when for rc in table.row_checks]
    # Spend tables: incremental (incremental_materialization(): a table on Spark), pull coverage applied,
    # replaced files' rows removed after the build, then the quarantined rows' records filled in.
    assert kwargs.get("coverage", False) == table.pull_coverage
    assert config.get("materialized") == ("incremental" if table.pull_coverage else "table")
    if table.pull_coverage:
        assert config["unique_key"] == ["_source_file", "_row_number"]
        assert config["post_hook"] == [f"{{{{ delete_replaced_file_rows('{table.name}') }}}}",
                                       f"{{{{ record_quarantined_rows('{table.name}') }}}}"]
