"""`revwh post --credits --month YYYY-MM`: the month's underspend credits as QuickBooks credit memos.

The credits are the rows of the underspend credit run CSV (orchestration/reports/credit_coop.py):
marts.underspend_liability_aging of the published warehouse with outstanding_liability > 0, one per
contract and closed month, numbered `UC-<contract>-<YYYY-MM>`, dated T (the warehouse's as-of date,
the CSV's Credit Memo Date), in the client's currency. Each becomes one CreditMemo with one line:
ItemRef the ledger_items item of line type underspend (credit_item), ServiceDate the month's first
day, Amount the credit; CustomerRef the QuickBooks customer whose AcctNum is the client_id
(qbo_customer_id, landed by the pull with qbo_balances' customer rows).

A dry run (the default) sends nothing: it prints one line per memo and the totals. `--commit`
posts, through python-quickbooks with the pull's credentials and REVWH_QBO_URL
(ingest.platforms.quickbooks._client): first it asks QuickBooks for a credit memo with the same
DocNumber and skips the memo when there is one; then `memo.save(qb, request_id=...)` with a
request id derived from the realm and the memo number (uuid5), so a retried request, or a second
`--commit` whose DocNumber query raced the first, never creates a second memo (Intuit's
idempotency). The next pull lands the posted memos: their DocNumber names contract and month, so
they settle underspend_credits.credits_issued (ingest.platforms.quickbooks.UNDERSPEND_NUMBER).
The command line is orchestration/commands/post.py; this module is the posting.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

REQUEST_NAMESPACE = uuid.UUID("5d0c6a52-3f0e-4d8e-9a51-2b1f0e7c4a10")  # revwh's own: request ids of posted memos


def request_id(realm: str, memo_no: str) -> str:
    """The same id for the same company and memo number, on every run and retry."""
    return str(uuid.uuid5(REQUEST_NAMESPACE, f"{realm}/{memo_no}"))


@dataclass
class Credit:
    memo_no: str
    client_id: str
    contract_id: str
    month: date
    txn_date: date
    customer_id: str | None
    customer: str
    item: str
    description: str
    amount: Decimal
    currency: str

    def line(self) -> str:
        who = f"{self.customer} (QuickBooks customer {self.customer_id})" if self.customer_id else (
            f"{self.customer} (no QuickBooks customer with AcctNum {self.client_id} in {self.currency})")
        return (f"{self.memo_no}  {who}  {self.item}  {money_text(self.amount)} {self.currency}"
                f"  dated {self.txn_date.isoformat()}")


def money_text(value: Decimal) -> str:
    from orchestration.reports.credit_coop import money_text as text

    return text(value)


def read_credits(warehouse: Path, month: date) -> list[Credit]:
    from orchestration.reports.credit_coop import (
        credit_description,
        credit_item,
        credit_memo_no,
        credit_rows,
        customer_name,
    )
    from orchestration.reports.marts_reader import open_marts

    with open_marts(warehouse, ("underspend_liability_aging", "warehouse_settings")) as con:
        (as_of,) = con.execute("select as_of_date from marts.warehouse_settings").fetchone()
        found = credit_rows(con, month)
    return [
        Credit(credit_memo_no(r["contract_id"], r["month"]), r["client_id"], r["contract_id"], r["month"], as_of,
               r.get("qbo_customer_id"), customer_name(r), credit_item(r), credit_description(r),
               Decimal(r["outstanding_liability"]), r["currency"] or "")
        for r in found
    ]


def _totals(credits: list[Credit]) -> str:
    sums: dict[str, Decimal] = {}
    for c in credits:
        sums[c.currency] = sums.get(c.currency, Decimal(0)) + c.amount
    return ", ".join(f"{cur} {money_text(v)}" for cur, v in sorted(sums.items())) or "nothing"


def _quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def post_credits(
    warehouse: Path,
    month: date,
    *,
    commit: bool = False,
    out: Callable[[str], None] = print,
    err: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Print (dry run) or post the month's credits; 0 when every memo is in QuickBooks or would be."""
    credits = read_credits(warehouse, month)
    label = month.strftime("%Y-%m")
    if not credits:
        out(f"No underspend credits to issue for {label} in {warehouse}.")
        return 0
    if not commit:
        out(f"Dry run: would create {len(credits)} credit memo(s) for {label} in QuickBooks:")
        for c in credits:
            out(f"  {c.line()}")
        out(f"Total: {len(credits)} memo(s), {_totals(credits)}. Nothing was sent; post with --commit.")
        return 0 if all(c.customer_id for c in credits) else 1
    return _commit(credits, label, out, err, sleep)


def _commit(credits: list[Credit], label: str, out: Callable[[str], None], err: Callable[[str], None],
            sleep: Callable[[float], None]) -> int:
    from ingest.platforms import quickbooks as q
    from ingest.platforms.common import RetryBudget, credential, with_retry
    from ingest.platforms.scrub import one_line

    realm = credential("QBO_REALM_ID", q.SECTION, secret=False)
    token, _ = q._access_token()
    qb = q._client(realm, token)
    budget = RetryBudget(q.ACCOUNT_RETRY_BUDGET_S, sleep=sleep, note=out)

    def call(fn: Callable[[], Any]) -> Any:
        return with_retry(fn, classify=q._classify, budget=budget, what="QuickBooks")

    def first(entity: str, where: str) -> dict | None:
        answer = call(lambda: qb.query(f"SELECT * FROM {entity} WHERE {where}"))
        found = (answer.get("QueryResponse") or {}).get(entity) or []
        return found[0] if found else None

    from quickbooks.objects.base import Ref
    from quickbooks.objects.creditmemo import CreditMemo
    from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail

    from orchestration.reports.marts_reader import ReportError

    created, present, failed = [], [], []
    items: dict[str, str | None] = {}
    for c in credits:
        try:
            if not c.customer_id:
                raise ReportError(f"no QuickBooks customer with AcctNum {c.client_id} in {c.currency}:"
                                  " give the customer its client_id and pull QuickBooks again")
            existing = first("CreditMemo", f"DocNumber = {_quoted(c.memo_no)}")
            if existing:
                present.append(c)
                out(f"  {c.memo_no}: already in QuickBooks (Id {existing.get('Id')}): skipped")
                continue
            if c.item not in items:
                item = first("Item", f"Name = {_quoted(c.item)}")
                items[c.item] = str(item["Id"]) if item else None
            if items[c.item] is None:
                raise ReportError(f"QuickBooks has no item named {c.item!r} (contracting/ledger_items.csv)")
            memo = CreditMemo()
            memo.DocNumber = c.memo_no
            memo.TxnDate = c.txn_date.isoformat()
            memo.PrivateNote = f"revwh underspend credit: contract {c.contract_id}, {c.month:%Y-%m}"
            memo.CustomerRef = Ref()
            memo.CustomerRef.value, memo.CustomerRef.name = c.customer_id, c.customer
            memo.CurrencyRef = Ref()
            memo.CurrencyRef.value = c.currency
            line = SalesItemLine()
            line.Amount = c.amount
            line.Description = c.description
            line.SalesItemLineDetail = SalesItemLineDetail()
            line.SalesItemLineDetail.ItemRef = Ref()
            line.SalesItemLineDetail.ItemRef.value, line.SalesItemLineDetail.ItemRef.name = items[c.item], c.item
            line.SalesItemLineDetail.ServiceDate = c.month.isoformat()
            line.SalesItemLineDetail.Qty = 1
            line.SalesItemLineDetail.UnitPrice = c.amount
            memo.Line = [line]
            saved = call(lambda m=memo, c=c: m.save(qb, request_id=request_id(realm, c.memo_no)))
            created.append(c)
            out(f"  {c.memo_no}: created (QuickBooks Id {saved.Id}): {c.line()}")
        except Exception as exc:  # noqa: BLE001 (one line per memo; the others go on)
            text = str(exc) if isinstance(exc, ReportError) else q._error_text(exc)
            failed.append(c)
            err(f"  {c.memo_no}: not posted: {one_line(text)}")
    out(f"Posted {len(created)} credit memo(s) for {label} ({_totals(created)}); {len(present)} already in"
        f" QuickBooks; {len(failed)} failed. The next pull lands them and settles the credits.")
    return 1 if failed else 0
