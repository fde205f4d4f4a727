"""The money behind the run's exceptions, for the run summary: nothing quarantined goes unseen.

A quarantined invoice, payment, credit memo or invoice line is money missing from AR, statements
and the close; an unmapped account's spend is media nobody bills. The summary therefore names
each quarantined money document with its file, line and landed amount, and totals every kind of
exception by currency ("unmapped_account: 417 rows, 4 accounts, USD 52,310.22"). Amounts come
from the landed record (`data_exceptions.record`), read the way staging reads them
(`ingest.contract.parse_number`); an amount that cannot be read is counted apart, never as 0.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

from ingest.contract import parse_number

# Per landed table: (document id columns, amount column, currency column or None, micros).
MONEY_COLUMNS: dict[str, tuple[tuple[str, ...], str, str | None, bool]] = {
    "invoices": (("invoice_id",), "total_amount", "currency", False),
    "invoice_lines": (("invoice_id", "line_no"), "amount", None, False),
    "credit_memos": (("credit_memo_id",), "amount", None, False),
    "payments": (("payment_id",), "amount", "currency", False),
    "payment_applications": (("payment_id", "invoice_id"), "amount_applied", None, False),
    "write_offs": (("invoice_id",), "amount", None, False),
    "google_ads": (("customer_id", "campaign_id", "segments_date"), "metrics_cost_micros", "customer_currency_code",
                   True),
    "meta_ads": (("account_id", "campaign_id", "date_start"), "spend", "account_currency", False),
    "microsoft_ads": (("AccountId", "CampaignId", "TimePeriod"), "Spend", "CurrencyCode", False),
}
DOCUMENTS = {"invoices": "invoice", "invoice_lines": "invoice line", "credit_memos": "credit memo",
             "payments": "payment"}
ACCOUNT_COLUMN = {"google_ads": "customer_id", "meta_ads": "account_id", "microsoft_ads": "AccountId"}
# Kinds whose landed record's amount is the money at stake (the row left out, the spend not billed,
# the application that settled nothing). For the others (overpayment, unapplied_cash) the record is the
# whole invoice or payment while the money at stake is a part of it, which the reason states: their
# rows are counted, their record amounts are not summed.
MONEY_KINDS = frozenset({"quarantined_row", "orphan_invoice_line", "unmapped_account", "spend_outside_contract",
                         "ambiguous_account_mapping", "payment_client_mismatch", "payment_currency_mismatch",
                         "unknown_reference"})
MAX_DOCUMENT_LINES = 20


@dataclass
class KindTotal:
    """One exception type's rows, accounts (spend) and money per currency."""

    rows: int = 0
    accounts: set[str] = field(default_factory=set)
    money: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    unreadable: int = 0  # rows whose amount could not be read as a number

    def text(self, kind: str) -> str:
        parts = [f"{self.rows:,} row{'s' if self.rows != 1 else ''}"]
        if self.accounts:
            parts.append(f"{len(self.accounts):,} account{'s' if len(self.accounts) != 1 else ''}")
        parts += [f"{cur} {amount:,.2f}" for cur, amount in sorted(self.money.items())]
        if self.unreadable:
            parts.append(f"{self.unreadable:,} amount(s) not readable")
        return f"{kind}: " + ", ".join(parts)


def _amount(source: str, record: dict[str, object]) -> tuple[Decimal | None, str, str]:
    """(amount, currency label, landed text) of a record; currency '?' when the row has none."""
    _ids, column, currency_col, micros = MONEY_COLUMNS[source]
    text = record.get(column)
    text = None if text is None else str(text)
    value = parse_number(text, "integer" if micros else "money")
    if value is not None and micros:
        value = (value / Decimal(1_000_000)).quantize(Decimal("0.01"))
    currency = str(record.get(currency_col) or "").strip().upper() if currency_col else ""
    return value, currency or "amount", text or ""


def exception_money_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Summary lines: quarantined money documents one by one, then every exception type's totals."""
    rows = con.execute(
        "select source, source_file, line_number, exception_type, reason, record from marts.data_exceptions"
        " order by exception_type, source, source_file, line_number"
    ).fetchall()
    totals: dict[str, KindTotal] = defaultdict(KindTotal)
    documents: list[str] = []
    for source, source_file, line, kind, reason, record_text in rows:
        total = totals[kind]
        total.rows += 1
        if source not in MONEY_COLUMNS or not record_text:
            continue
        try:
            record = json.loads(record_text)
        except ValueError:
            continue
        value, currency, landed = _amount(source, record)
        if kind not in MONEY_KINDS:
            pass
        elif value is None:
            total.unreadable += 1
        else:
            total.money[currency] += value
        if source in ACCOUNT_COLUMN and record.get(ACCOUNT_COLUMN[source]):
            total.accounts.add(str(record[ACCOUNT_COLUMN[source]]))
        if source in DOCUMENTS and kind in ("quarantined_row", "orphan_invoice_line"):
            ids = " ".join(str(record.get(c) or "?") for c in MONEY_COLUMNS[source][0])
            where = f"{source_file} line {line}" if line is not None else source_file
            documents.append(f"  {DOCUMENTS[source]} {ids} ({where}), {MONEY_COLUMNS[source][1]} '{landed}':"
                             f" {reason}")
    lines = []
    if documents:
        lines.append(f"Money left out ({len(documents)} document(s) quarantined or without their invoice):"
                     " fix the export and run again")
        lines += documents[:MAX_DOCUMENT_LINES]
        if len(documents) > MAX_DOCUMENT_LINES:
            lines.append(f"  … and {len(documents) - MAX_DOCUMENT_LINES:,} more: marts.data_exceptions")
    if totals:
        lines.append("Exceptions by kind (marts.data_exceptions):")
        lines += [f"  {totals[kind].text(kind)}" for kind in sorted(totals)]
    return lines
