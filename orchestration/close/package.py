"""What a month's close package shows, read in one place: the close (preparer, approver, the
landing files frozen), the roll-forward of the month, AR at the month end with unapplied cash and
credits, the underspend liability, the co-op receivable, the journal entries, the post-close
adjustments of earlier months, and the AR control against QuickBooks.

The workbook (reports/close_workbook.py) and the one-page PDF (reports/close_pdf.py) only lay this
out. Everything is read from a DuckDB connection (`close_source`): the published warehouse itself,
or, on `--target postgres`, an in-memory DuckDB holding the landing store's `closed` tables (where
the close was just written) and copies of the few PostgreSQL tables the package reads, so the
package and the journal are computed by the same SQL on both engines.

AR at the month end (SPEC 6, close by accounting period: transaction dates, nothing dated after it):
  open invoices      the open amounts the close froze (closed.figures, ar_aging_month_end)
  unapplied cash     payments dated on or before the month end less their applications (of the
                     payment's own client and currency) to invoices dated on or before it
  unapplied credits  credit memos dated on or before the month end not applied to an invoice dated
                     on or before it, plus what was applied beyond an invoice's total by then
  net                open - unapplied cash - unapplied credits: what the ledger's AR shows
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from orchestration.close.journal import month_end

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
Row = dict[str, Any]

# The tables the package and the journal read besides `closed`: on PostgreSQL they are copied
# into the in-memory DuckDB (they are small: one month's marts and the accounting documents).
ENGINE_TABLES = (
    "marts.warehouse_settings", "marts.deferred_revenue_rollforward", "marts.ar_aging_month_end",
    "marts.post_close_adjustments", "staging.stg_accounting__invoices", "staging.stg_accounting__payments",
    "staging.stg_accounting__credit_memos", "staging.stg_accounting__write_offs",
    "staging.stg_contracting__clients", "staging.stg_accounting__qbo_balances",
    "intermediate.int_payment_applications",
)
CLOSED_TABLES = ("close_log", "close_files", "figures")


@contextlib.contextmanager
def close_source(warehouse: Path, target: str = "duckdb") -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only DuckDB view of what the package reads: the engine's (the DuckDB warehouse
    itself, or on PostgreSQL the landing store's close beside copies of the engine's tables; see
    the module docstring and orchestration/engines/postgres/close_source.py)."""
    from orchestration.close.month_close import CloseError
    from orchestration.engines.base import EngineError
    from orchestration.engines.targets import engine_for

    with contextlib.ExitStack() as stack:
        try:
            con = stack.enter_context(engine_for(target, warehouse).close_source(ENGINE_TABLES, CLOSED_TABLES))
        except EngineError as exc:  # PostgreSQL unreachable, its tables missing, or no package on Spark
            raise CloseError(str(exc)) from None
        yield con


@dataclass(frozen=True)
class ArControl:
    """The AR control of one currency: revwh's AR at the month end beside QuickBooks'."""

    currency: str
    open_invoices: Decimal
    unapplied_cash: Decimal
    unapplied_credits: Decimal
    quickbooks: Decimal | None  # None: not compared (see `line`)
    line: str  # "ties to QuickBooks" / "differs by X" / "untied: ..."

    @property
    def ar(self) -> Decimal:
        return self.open_invoices - self.unapplied_cash - self.unapplied_credits


@dataclass(frozen=True)
class PackageData:
    month: date
    close_id: int
    status: str  # "approved" / "not approved" / "reopened"
    prepared_by: str
    closed_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    as_of: date
    run_id: str | None
    files: list[Row]
    rollforward: list[Row]
    ar_invoices: list[Row]
    ar_clients: list[Row]
    underspend: list[Row]
    coop: list[Row]
    journal: list[tuple]
    adjustments: list[Row]
    controls: list[ArControl] = field(default_factory=list)

    @property
    def month_end(self) -> date:
        return month_end(self.month)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[Row]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def read_package(con: duckdb.DuckDBPyConnection, month: date, close_id: int) -> PackageData:
    """Every figure of the package of close `close_id` (of `month`)."""
    from orchestration.close.journal import journal_lines

    end = month_end(month)
    (log,) = _rows(con, "select * from closed.close_log where close_id = ?", [close_id])
    status = ("reopened" if log["status"] != "closed" else
              "approved" if log.get("approved_at") is not None else "not approved")
    files = _rows(con, "select source_file, table_name, content_hash, loaded_at from closed.close_files"
                       " where close_id = ? order by source_file", [close_id])
    rollforward = _rows(con, """
        select client_id, client_name, currency, opening, prior_period_adjustment, billings, recognized,
            underspend_credits, closing, closing_deferred, closing_unbilled
        from marts.deferred_revenue_rollforward where month = ?
        order by currency, coalesce(client_name, client_id), client_id""", [month])
    ar_invoices = _rows(con, """
        select f.invoice_id, f.client_id, a.client_name, a.invoice_date, a.due_date, a.days_past_due,
            a.aging_bucket, f.currency, f.value as open_amount
        from closed.figures f
        left join marts.ar_aging_month_end a on a.invoice_id = f.invoice_id and a.month = f.month
        where f.close_id = ? and f.mart = 'ar_aging_month_end'
        order by f.currency, coalesce(a.client_name, f.client_id), f.invoice_id""", [close_id])
    ar_clients = _ar_clients(con, end, ar_invoices)
    underspend = _rows(con, """
        select f.contract_id, f.client_id, c.client_name, f.currency,
            sum(f.value) filter (where f.figure = 'credit_due') as credit_due,
            sum(f.value) filter (where f.figure = 'outstanding_liability') as outstanding_liability
        from closed.figures f left join staging.stg_contracting__clients c on c.client_id = f.client_id
        where f.close_id = ? and f.mart = 'underspend_credits'
        group by all order by f.currency, f.contract_id""", [close_id])
    coop = _rows(con, """
        select f.program_code, f.client_id, c.client_name, f.currency, f.value as reimbursement
        from closed.figures f left join staging.stg_contracting__clients c on c.client_id = f.client_id
        where f.close_id = ? and f.mart = 'coop_reimbursement'
        order by f.currency, f.program_code, f.client_id""", [close_id])
    adjustments = _rows(con, """
        select month, mart, figure, figure_key, client_id, client_name, currency, closed_value, current_value,
            difference, cause_files
        from marts.post_close_adjustments where month < ?
        order by month, mart, figure, figure_key""", [month])
    data = PackageData(
        month=month, close_id=close_id, status=status, prepared_by=log["closed_by"] or "",
        closed_at=log["closed_at"], approved_by=log.get("approved_by"), approved_at=log.get("approved_at"),
        as_of=log["warehouse_as_of"], run_id=log["close_run_id"], files=files, rollforward=rollforward,
        ar_invoices=ar_invoices, ar_clients=ar_clients, underspend=underspend, coop=coop,
        journal=journal_lines(con, month, close_id), adjustments=adjustments)
    return PackageData(**{**data.__dict__, "controls": ar_controls(con, end, ar_clients)})


def _ar_clients(con: duckdb.DuckDBPyConnection, end: date, invoices: list[Row]) -> list[Row]:
    """Per client and currency at the month end: open invoices (frozen), unapplied cash and credits
    (positive amounts; module docstring), net."""
    held = con.execute("""
        with applied as (  -- applications settling an invoice of the payment's client dated by the month end
            select a.payment_id, sum(a.amount_applied) as applied
            from intermediate.int_payment_applications a
            join staging.stg_accounting__invoices i on i.invoice_id = a.invoice_id
            where a.mismatch is null and i.invoice_date <= ?
            group by 1
        ),
        settled as (
            select invoice_id, sum(amount) as settled from (
                select a.invoice_id, a.amount_applied as amount from intermediate.int_payment_applications a
                where a.mismatch is null and a.payment_date <= ?
                union all
                select applied_invoice_id, amount from staging.stg_accounting__credit_memos
                where applied_invoice_id is not null and memo_date <= ?
                union all
                select invoice_id, amount from staging.stg_accounting__write_offs where write_off_date <= ?
            ) e group by 1
        )
        select p.client_id, c.currency, p.amount - coalesce(a.applied, 0) as cash, 0.00 as credits
        from staging.stg_accounting__payments p
        left join applied a on a.payment_id = p.payment_id
        left join staging.stg_contracting__clients c on c.client_id = p.client_id
        where p.payment_date <= ? and coalesce(a.applied, 0) < p.amount
        union all
        select m.client_id, c.currency, 0.00, m.amount
        from staging.stg_accounting__credit_memos m
        left join staging.stg_contracting__clients c on c.client_id = m.client_id
        left join staging.stg_accounting__invoices i on i.invoice_id = m.applied_invoice_id
        where m.memo_date <= ? and (m.applied_invoice_id is null or i.invoice_date > ?)
        union all
        select i.client_id, i.currency, 0.00, s.settled - i.total_amount
        from staging.stg_accounting__invoices i join settled s on s.invoice_id = i.invoice_id
        where i.invoice_date <= ? and s.settled > i.total_amount""", [end] * 8).fetchall()
    names = dict(con.execute("select client_id, client_name from staging.stg_contracting__clients").fetchall())
    per: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    for r in invoices:
        per[(r["client_id"], r["currency"])][0] += r["open_amount"]
    for client, currency, cash, credits in held:
        amounts = per[(client, currency or "")]
        amounts[1] += Decimal(cash)
        amounts[2] += Decimal(credits)
    return [{"client_id": client, "client_name": names.get(client), "currency": currency,
             "open_invoices": q(o), "unapplied_cash": q(c), "unapplied_credits": q(cr), "net": q(o - c - cr)}
            for (client, currency), (o, c, cr) in sorted(per.items(), key=lambda kv: (kv[0][1], kv[0][0]))]


def q(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT)


def ar_controls(con: duckdb.DuckDBPyConnection, end: date, clients: list[Row]) -> list[ArControl]:
    """Per currency: AR at the month end against QuickBooks' customer balances (the ledger
    tie-out's customer rows), compared only when QuickBooks' balances are as of the month end:
    pulled on or after its last day with no document in revwh dated after it and on or before
    the pull's day (docs/DECISIONS.md "AR control of the close")."""
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    for r in clients:
        t = totals[r["currency"]]
        t[0] += r["open_invoices"]
        t[1] += r["unapplied_cash"]
        t[2] += r["unapplied_credits"]
    (pulled_at,) = con.execute("select max(pulled_at) from staging.stg_accounting__qbo_balances").fetchone()
    qbo: dict[str, Decimal] = {}
    reason = "untied: no QuickBooks balances landed"
    if pulled_at is not None:
        pulled = f"{pulled_at:%Y-%m-%d %H:%M} UTC"
        pull_day = pulled_at.date()
        (first_after,) = con.execute("""
            select min(d) from (
                select invoice_date as d from staging.stg_accounting__invoices
                union all select payment_date from staging.stg_accounting__payments
                union all select memo_date from staging.stg_accounting__credit_memos
                union all select write_off_date from staging.stg_accounting__write_offs
            ) x where d > ? and d <= ?""", [end, pull_day]).fetchone()
        if pull_day < end:
            reason = f"untied: QuickBooks balances were pulled {pulled}, before the month's end {end}"
        elif first_after is not None:
            reason = (f"untied: QuickBooks balances pulled {pulled} include the next period (a document dated"
                      f" {first_after}); compare with a pull made before the next period's first document")
        else:
            reason = ""
            qbo = {cur: Decimal(v) for cur, v in con.execute(
                "select currency, sum(balance) from staging.stg_accounting__qbo_balances"
                " where doc_type = 'customer' group by 1").fetchall()}
    out = []
    for currency in sorted(set(totals) | set(qbo)):
        o, c, cr = totals.get(currency, [ZERO, ZERO, ZERO])
        if reason:
            out.append(ArControl(currency, q(o), q(c), q(cr), None, reason))
            continue
        theirs = q(qbo.get(currency, ZERO))
        diff = q(o - c - cr) - theirs
        line = ("ties to QuickBooks" if diff == 0 else
                f"differs by {diff:,.2f} (revwh {q(o - c - cr):,.2f}, QuickBooks {theirs:,.2f}, pulled {pulled})")
        out.append(ArControl(currency, q(o), q(c), q(cr), theirs, line))
    return out


def journal_totals(journal: list[tuple]) -> list[tuple[str, str, Decimal, Decimal]]:
    """(journal no, currency, debits, credits) per journal, in order."""
    totals: dict[str, list] = {}
    for journal_no, _d, _a, debit, credit, _t, _n, currency in journal:
        t = totals.setdefault(journal_no, [currency, ZERO, ZERO])
        t[1] += Decimal(debit or 0)
        t[2] += Decimal(credit or 0)
    return [(no, cur, d, c) for no, (cur, d, c) in totals.items()]


def package_names(month: date) -> tuple[str, str]:
    return f"close-{month:%Y-%m}.xlsx", f"close-{month:%Y-%m}.pdf"
