"""Exports as a coordinator really saves them (SPEC 6), through one real `revwh run`.

The spine landing (tests/test_spine_rules.py, T = 2026-10-15) plus five files written the way the
tools write them: an Excel CSV with a byte-order mark, CRLF line ends, amounts with separators and a
currency sign, and the empty line Excel leaves at the end; a QuickBooks line file numbered from 0; a
payment export with a currency column; a payment applied to another client's invoice; a Microsoft
report split by device and network, without CampaignName, Impressions and Clicks; and a Fivetran-synced
and a UI-downloaded export of each ad platform (tests/export_shapes.py). Each test checks
the published figures to the cent, the exception row with its line (the header is line 1), the
run summary's line, and, for the quarantined invoice, the gate's WARN in the Dagster instance.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from decimal import Decimal as D
from pathlib import Path

import pytest

from tests.conftest import REVWH
from tests.export_shapes import EXPORTS, SPEND
from tests.landing_builder import query, query_dicts
from tests.test_spine_rules import AS_OF

INVOICES = (
    "\ufeffinvoice_id,client_id,invoice_date,due_date,currency,total_amount\r\n"
    'INV-S1,C4,2026-10-01,2026-10-31,USD,"$3,565.00"\r\n'  # line 2: K7 October 3100.00 + 15% fee 465.00
    'INV-S2,C5,2026-10-01,2026-10-31,USD,"1,550.00"\r\n'  # line 3
    'INV-S3,C5,2026-10-01,2026-10-31,USD,"1.234,56"\r\n'  # line 4: a comma as the decimal point
    "\r\n"  # line 5: Excel's empty last line
)
INVOICE_LINES = (
    "invoice_id,line_no,contract_id,service_month,line_type,amount\n"
    'INV-S1,0,K7,2026-10-01,media,"3,100.00"\n'  # line 2: QuickBooks numbers from 0
    "INV-S1,1,K7,2026-10-01,management_fee,465.00\n"  # line 3
    'INV-S3,0,K5,2026-10-01,media,"1,234.56"\n'  # line 4: its invoice is quarantined
    "INV-S9,0,K5,2026-10-01,flat_fee,10.00\n"  # line 5: no such invoice
)
PAYMENTS = (
    "payment_id,client_id,payment_date,amount,method,reference,currency\n"
    'PS1,C4,2026-10-05,"$1,000.00",ach,r1,USD\n'  # line 2
    "PS2,C1,2026-10-06,200.00,ach,r2,USD\n"  # line 3: C1 pays C4's invoice
)
APPLICATIONS = (
    "payment_id,invoice_id,amount_applied\n"
    'PS1,INV-S1,"1,000.00"\n'  # line 2
    "PS2,INV-S1,200.00\n"  # line 3: payment_client_mismatch
)
MICROSOFT = (
    "TimePeriod,AccountId,CurrencyCode,CampaignId,DeviceType,Network,Spend,extracted_at\n"
    '2026-10-13,888,USD,MS-9,Computer,Search,"1,000.50",2026-10-14T06:00:00Z\n'
    "2026-10-13,888,USD,MS-9,Smartphone,Search,20.25,2026-10-14T06:00:00Z\n"
    "2026-10-13,888,USD,MS-9,Tablet,Audience,4.25,2026-10-14T06:00:00Z\n"
)


SAVED = 1_791_970_205  # 2026-10-14 09:30:05 UTC: when the UI exports were downloaded


@pytest.fixture(scope="module")
def run(spine_cli_run: tuple, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess,
                                                                                    Path]:
    """(warehouse, the finished `revwh run`, its Dagster home)."""
    landing0, _wh, _proc = spine_cli_run
    base = tmp_path_factory.mktemp("spreadsheet")
    landing, wh, home = base / "landing", base / "revwh.duckdb", base / "dagster_home"
    shutil.copytree(landing0, landing)
    for rel, text in (("accounting/invoices_excel.csv", INVOICES), ("accounting/invoice_lines_qb.csv", INVOICE_LINES),
                      ("accounting/payments_x.csv", PAYMENTS), ("accounting/payment_applications_x.csv", APPLICATIONS),
                      ("ads/microsoft_ads/report_device.csv", MICROSOFT)):
        (landing / rel).write_bytes(text.encode("utf-8"))
    for rel, text in EXPORTS.items():  # the UI files' extraction time is their modification time
        (landing / rel).write_bytes(text.encode("utf-8"))
        os.utime(landing / rel, (SAVED, SAVED))
    proc = subprocess.run([REVWH, "run", "--landing", str(landing), "--warehouse", str(wh), "--as-of", AS_OF],
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "DAGSTER_HOME": str(home), "REVWH_PROGRESS": "0"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return wh, proc, home


def test_excel_amounts_are_read_as_the_numbers_they_show(run) -> None:
    wh, proc, _ = run
    # INV-S1 3565.00 - PS1 1000.00 = 2565.00 open; PS2 (C1's) does not settle it. INV-S2 1550.00.
    assert query(wh, "select invoice_id, total_amount, open_amount from marts.ar_aging"
                     " where invoice_id like 'INV-S%' order by 1") == [
        ("INV-S1", D("3565.00"), D("2565.00")), ("INV-S2", D("1550.00"), D("1550.00"))]
    # QuickBooks' line 0 is a line: K7 October billed 3100.00 media + 465.00 fee = 3565.00
    assert query(wh, "select billed from marts.revenue_recognition where contract_id = 'K7'"
                     " and month = '2026-10-01'") == [(D("3565.00"),)]
    # the trailing empty line is not data: counted, never quarantined
    assert query(wh, "select landed_rows, staged_rows, quarantined_rows, blank_rows from marts.landing_audit"
                     " where source_file = 'accounting/invoices_excel.csv'") == [(3, 2, 1, 1)]


def test_an_ambiguous_amount_is_quarantined_loudly(run) -> None:
    wh, proc, home = run
    (row,) = query_dicts(wh, "select * from marts.data_exceptions where source_file = 'accounting/invoices_excel.csv'")
    assert (row["line_number"], row["column_name"], row["exception_type"]) == (4, "total_amount", "quarantined_row")
    assert row["reason"] == ("total_amount: a comma as the decimal point (1.234,56) is ambiguous: export with a dot"
                             " as the decimal point, got '1.234,56'")
    assert ("  invoice INV-S3 (accounting/invoices_excel.csv line 4), total_amount '1.234,56': total_amount: a comma"
            " as the decimal point") in proc.stdout
    assert "Blank rows skipped: 1 in 1 file(s)" in proc.stdout
    # the gate on raw/invoices is a WARN, not "Passed"
    from dagster import DagsterEventType, DagsterInstance

    instance = DagsterInstance.from_config(str(home))
    (record,) = instance.get_run_records(limit=1)
    checks = [e.dagster_event.event_specific_data for e in instance.all_logs(
        record.dagster_run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)]
    gate = [c for c in checks if c.check_name == "landing_gate" and c.asset_key.to_user_string() == "raw/invoices"]
    assert [(c.passed, c.severity.value) for c in gate] == [(False, "WARN")]
    assert "line 4" in gate[0].description and "total_amount" in gate[0].description


def test_lines_of_a_quarantined_or_unknown_invoice_are_orphans(run) -> None:
    wh, proc, _ = run
    rows = query(wh, "select line_number, reason from marts.data_exceptions where exception_type ="
                     " 'orphan_invoice_line' order by 1")
    assert [n for n, _ in rows] == [4, 5]
    assert rows[0][1] == ("line 0 of invoice INV-S3 (media 1234.56) has no invoice: invoice INV-S3 was quarantined:"
                          " accounting/invoices_excel.csv line 4, total_amount: a comma as the decimal point (1.234,56)"
                          " is ambiguous: export with a dot as the decimal point, got '1.234,56'")
    assert rows[1][1] == ("line 0 of invoice INV-S9 (flat_fee 10.00) has no invoice: invoice_id INV-S9 is not in"
                          " invoices.csv")
    # the money they carry is in the summary: 1,234.56 + 10.00 of lines without their invoice
    assert "  orphan_invoice_line: 2 rows, amount 1,244.56" in proc.stdout


def test_a_payment_applied_to_another_clients_invoice_settles_nothing(run) -> None:
    wh, proc, _ = run
    (row,) = query_dicts(wh, "select * from marts.data_exceptions where exception_type = 'payment_client_mismatch'")
    assert (row["source_file"], row["line_number"]) == ("accounting/payment_applications_x.csv", 3)
    assert row["reason"] == ("payment PS2 of client C1 (USD) applied 200.00 to invoice INV-S1 of client C4 (USD):"
                             " not settled; the amount stays unapplied cash of C1")
    # PS2's 200.00 is C1's unapplied cash
    assert query(wh, "select reason from marts.data_exceptions where exception_type = 'unapplied_cash'"
                     " and reason like 'payment PS2 %'") == [("payment PS2 of 200.00: 200.00 not applied to any"
                                                              " invoice",)]


def test_a_microsoft_report_split_by_device_is_summed(run) -> None:
    wh, proc, _ = run
    # 1,000.50 + 20.25 + 4.25 = 1025.00 for campaign MS-9 on Oct 13, attributed to K8
    assert query(wh, "select contract_id, spend from marts.fct_ad_spend_daily where account_id = '888'"
                     " and campaign_id = 'MS-9' and spend_date = '2026-10-13'") == [("K8", D("1025.00"))]
    assert "  ads/microsoft_ads/report_device.csv: DeviceType, Network" in proc.stdout


def test_fivetran_and_ui_exports_publish_their_spend_to_the_cent(run) -> None:
    """Each shape's campaign-day spend, worked out in tests/export_shapes.py (60.72 = 36150000 + 24570000
    micros; Google UI Cost 1,234.56 = 1234560000 micros; Microsoft 12.34 + 0.66 = 13.00 by device ...)."""
    wh, proc, _ = run
    got = query(wh, "select platform, campaign_id, spend from marts.fct_ad_spend_daily"
                    " where spend_date = date '2026-10-13' and campaign_id in ({})".format(
                        ", ".join(f"'{c}'" for _, _, c in SPEND)))
    assert sorted(got) == sorted((p, c, D(v)) for (p, _, c), v in SPEND.items())
    audit = query(wh, "select source_file, landed_rows, staged_rows, quarantined_rows, blank_rows, report_lines"
                      " from marts.landing_audit where report_lines > 0 order by 1")
    assert audit == [("ads/google_ads/Campaign report.csv", 2, 2, 0, 0, 3),
                     ("ads/microsoft_ads/Campaign_Performance_Report.csv", 2, 2, 0, 0, 11)]
    assert ("Report lines skipped: 14 in 2 file(s) (a platform report's title, totals or footer: not data)"
            in proc.stdout)
    assert "  ads/google_ads/Campaign report.csv: lines 1-2 before the header; line 6 (Total: Account)" in proc.stdout
