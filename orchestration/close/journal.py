"""The close's journal entries: `close-YYYY-MM-journal.csv` beside the reports, in QuickBooks
Online's journal entry import layout (Journal No, Journal Date, Account, Debits, Credits,
Description, Name, Currency), written by `revwh close` after the close is recorded.

The entries move the ledger's balances to the month's closing figures, each against revenue
(QuickBooks books an invoice to income and a credit memo against it, so its income is what was
billed; these entries turn it into what was recognized):
  deferred revenue       closing - opening: an increase is Dr revenue / Cr deferred revenue
  unbilled revenue       closing - opening: an increase is Dr unbilled (contract asset) / Cr revenue
  underspend liability   credit due that arose in the month (roll-forward underspend_credits) less
                         underspend memos dated in the month: an increase is Dr revenue / Cr liability
  co-op receivable       co-op reimbursement of the month (revwh knows no OEM receipt): an increase
                         is Dr co-op receivable / Cr revenue
The closing is what the close froze (closed.figures); the opening is the previous month's frozen
closing when that month is closed, else its current closing (the roll-forward), so entries of
consecutive closes chain and a restatement of a closed month lands in the next month's entries
(the roll-forward's prior_period_adjustment). One journal per currency (QuickBooks takes one
currency per entry), one pair of lines per client and account, Name the client: every journal
balances (debits = credits) by construction. Accounts are settings (REVWH_JOURNAL_*_ACCOUNT).
"""

from __future__ import annotations

import calendar
import os
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

HEADER = ("Journal No", "Journal Date", "Account", "Debits", "Credits", "Description", "Name", "Currency")
ACCOUNT_DEFAULTS = {
    "REVWH_JOURNAL_REVENUE_ACCOUNT": "Revenue",
    "REVWH_JOURNAL_DEFERRED_ACCOUNT": "Deferred Revenue",
    "REVWH_JOURNAL_UNBILLED_ACCOUNT": "Unbilled Revenue",
    "REVWH_JOURNAL_UNDERSPEND_ACCOUNT": "Underspend Refund Liability",
    "REVWH_JOURNAL_COOP_ACCOUNT": "Co-op Receivable",
}
ZERO = Decimal("0.00")


def accounts() -> dict[str, str]:
    """The ledger accounts, from the environment (empty = the default)."""
    return {name: (os.environ.get(name) or "").strip() or default for name, default in ACCOUNT_DEFAULTS.items()}


def journal_name(month: date) -> str:
    return f"close-{month:%Y-%m}-journal.csv"


def _previous(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_end(month: date) -> date:
    """The last day of `month` (the close's period end), for the close, its journal and package."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def journal_lines(con: duckdb.DuckDBPyConnection, month: date, close_id: int) -> list[tuple]:
    """The journal's rows (without the header), ordered by currency, client and account."""
    prev = _previous(month)
    end = month_end(month)
    names = dict(con.execute("select client_id, client_name from marts.deferred_revenue_rollforward").fetchall())
    currencies: dict[str, str] = {}
    movement: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)  # (client, kind) -> amount

    def balances(sql: str, params: list) -> dict[tuple[str, str], Decimal]:
        out: dict[tuple[str, str], Decimal] = {}
        for client, currency, figure, value in con.execute(sql, params).fetchall():
            currencies.setdefault(client, currency)
            out[(client, figure)] = out.get((client, figure), ZERO) + Decimal(value or 0)
        return out

    figures = ("'closing_deferred', 'closing_unbilled'")
    closing = balances(f"select client_id, currency, figure, value from closed.figures where close_id = ?"
                       f" and mart = 'deferred_revenue_rollforward' and figure in ({figures})", [close_id])
    (prev_close,) = con.execute("select max(close_id) from closed.close_log where month = ? and status = 'closed'",
                                [prev]).fetchone()
    if prev_close is not None:
        opening = balances(f"select client_id, currency, figure, value from closed.figures where close_id = ?"
                           f" and mart = 'deferred_revenue_rollforward' and figure in ({figures})", [prev_close])
    else:
        opening = balances("select client_id, currency, 'closing_deferred', closing_deferred"
                           " from marts.deferred_revenue_rollforward where month = ? union all"
                           " select client_id, currency, 'closing_unbilled', closing_unbilled"
                           " from marts.deferred_revenue_rollforward where month = ?", [prev, prev])
    for (client, figure) in set(closing) | set(opening):
        kind = "deferred" if figure == "closing_deferred" else "unbilled"
        movement[(client, kind)] += closing.get((client, figure), ZERO) - opening.get((client, figure), ZERO)
    for client, currency, value in con.execute(
            "select client_id, currency, underspend_credits from marts.deferred_revenue_rollforward where month = ?",
            [month]).fetchall():
        currencies.setdefault(client, currency)
        movement[(client, "underspend")] += Decimal(value or 0)
    for client, value in con.execute(
            "select client_id, sum(amount) from staging.stg_accounting__credit_memos where reason = 'underspend'"
            " and memo_date between ? and ? group by 1", [month, end]).fetchall():
        movement[(client, "underspend")] -= Decimal(value or 0)
    for client, currency, value in con.execute(
            "select client_id, currency, value from closed.figures where close_id = ? and mart = 'coop_reimbursement'",
            [close_id]).fetchall():
        currencies.setdefault(client, currency)
        movement[(client, "coop")] += Decimal(value or 0)

    acct = accounts()
    revenue = acct["REVWH_JOURNAL_REVENUE_ACCOUNT"]
    # kind -> (account, what an increase debits: the account (an asset) or revenue (a liability))
    kinds = {"deferred": (acct["REVWH_JOURNAL_DEFERRED_ACCOUNT"], False, "Deferred revenue"),
             "unbilled": (acct["REVWH_JOURNAL_UNBILLED_ACCOUNT"], True, "Unbilled revenue (contract asset)"),
             "underspend": (acct["REVWH_JOURNAL_UNDERSPEND_ACCOUNT"], False, "Underspend refund liability"),
             "coop": (acct["REVWH_JOURNAL_COOP_ACCOUNT"], True, "Co-op receivable")}
    rows: list[tuple] = []
    for (client, kind), amount in sorted(movement.items(), key=lambda kv: (currencies.get(kv[0][0]) or "", kv[0])):
        amount = amount.quantize(Decimal("0.01"))
        if amount == 0:
            continue
        account, is_asset, label = kinds[kind]
        currency = currencies.get(client) or ""
        debit_account, credit_account = (account, revenue) if (amount > 0) == is_asset else (revenue, account)
        journal_no = f"CLOSE-{month:%Y-%m}-{currency}"
        text = f"{label} movement {month:%Y-%m} (close {close_id})"
        name = names.get(client) or client
        rows.append((journal_no, end.isoformat(), debit_account, abs(amount), "", text, name, currency))
        rows.append((journal_no, end.isoformat(), credit_account, "", abs(amount), text, name, currency))
    return rows


def write_journal_lines(rows: list[tuple], month: date, out_dir: Path) -> Path:
    """Write the close's journal CSV (atomically, formula-safe) into out_dir: the lines of
    journal_lines (orchestration/close/package.py reads them with the package's figures)."""
    import csv

    from orchestration.reports.atomic import write_atomically
    from orchestration.reports.csv_safe import SafeCsvWriter

    out_dir.mkdir(parents=True, exist_ok=True)

    def write(partial: Path) -> None:
        with partial.open("w", newline="", encoding="utf-8") as fh:
            writer = SafeCsvWriter(fh, quoting=csv.QUOTE_MINIMAL)
            writer.writerow(HEADER)
            writer.writerows(rows)

    return write_atomically(out_dir / journal_name(month), write)
