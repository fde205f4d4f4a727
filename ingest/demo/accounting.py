"""The QuickBooks side of the demo: invoices, credit memos, payments and write-offs.

Invoices are built from the contracting truth with SPEC's billing rules (monthly in advance,
prorated by day, fee by rate-card tier and discount; a few contracts quarterly in advance: one
invoice on the 1st billing that month and the next two), then broken on purpose at low,
counted rates: a missing invoice, a wrong line amount, a month billed after cancellation, a
header total that differs from its lines, a line whose contract does not exist. A few wrong
invoices are reversed in full by a billing_error credit memo and issued again, corrected.
Payments follow each dealer's habits (on time, late, very late), with short pays,
overpayments, unapplied cash and payments split across invoices; small old balances get
written off. Underspend credit memos are issued for most, not all, closed months, for the
credit due: the underspend, but no more than the media billed (net of other credits) beyond
the media delivered.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ingest.demo.ads import SpendTruth
from ingest.demo.calendar import (
    ZERO,
    active_span,
    add_months,
    amount_on,
    billable,
    cents,
    money,
    month_end,
    month_start,
    months,
)
from ingest.demo.catalog import RATE_CARD
from ingest.demo.world import Client, Contract, World
from ingest.demo.writer import LandingWriter

NET_DAYS = 30


@dataclass
class Line:
    """One invoice line before numbering."""

    contract_id: str
    service_month: date
    line_type: str
    amount: Decimal


@dataclass
class Invoice:
    """An invoice as issued; `header` is what QuickBooks exports as total_amount."""

    client: Client
    invoice_date: date
    month: date
    lines: list[Line]
    header: Decimal = ZERO
    invoice_id: str = ""
    memo_credit: Decimal = ZERO  # credit memos applied to it before it is paid
    memo_date: date | None = None  # the latest of those memos
    kind: str = "monthly"  # monthly | quarterly (billing three months in advance) | reissue (a corrected one)

    @property
    def due_date(self) -> date:
        """Net 30."""
        return self.invoice_date + timedelta(days=NET_DAYS)

    @property
    def lines_total(self) -> Decimal:
        """Sum of the lines (differs from `header` only on a deliberately broken invoice)."""
        return sum((line.amount for line in self.lines), ZERO)


@dataclass
class Memo:
    """A credit memo before numbering."""

    client: Client
    contract_id: str
    service_month: date | None
    memo_date: date
    amount: Decimal
    reason: str
    applied: Invoice | None


@dataclass
class Books:
    """Everything the accounting export holds, plus how many of each deliberate problem it has."""

    invoices: list[Invoice] = field(default_factory=list)
    memos: list[Memo] = field(default_factory=list)
    payments: list[list[object]] = field(default_factory=list)
    applications: list[list[object]] = field(default_factory=list)
    write_offs: list[list[object]] = field(default_factory=list)
    scenarios: Counter[str] = field(default_factory=Counter)


def management_fee(world: World, contract: Contract, month: date, media_amount: Decimal) -> Decimal:
    """SPEC's fee: media x tier fee_pct x (1 - discount), tier and discount as of the last active day."""
    span = active_span(contract.start, contract.end, month)
    last = span[1] if span else month_end(month)
    budget = amount_on(contract.schedule, last)
    pct = next(p for lo, hi, p in RATE_CARD[contract.product] if budget >= lo and (hi is None or budget < hi))
    discount = world.discount_on(contract.client.client_id, contract.product, last)
    return cents(media_amount * pct * (1 - discount))


def _contract_lines(world: World, c: Contract, month: date, amount: Decimal) -> list[Line]:
    if c.is_media:
        return [Line(c.contract_id, month, "media", amount),
                Line(c.contract_id, month, "management_fee", management_fee(world, c, month, amount))]
    return [Line(c.contract_id, month, "flat_fee", amount)]


def _expected(world: World, c: Contract, month: date) -> Decimal:
    return sum((line.amount for line in _contract_lines(world, c, month, billable(c.schedule, c.start, c.end, month))),
               ZERO)


def _typo_contract(rng: random.Random, real: str, known: set[str]) -> str:
    """A contract id as mistyped into QuickBooks: plausible, but not in the contracting system."""
    digits = real.split("-")[1]
    while True:
        i = rng.randrange(len(digits) - 1)
        swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
        candidate = f"CT-{swapped}" if swapped != digits else f"CT-9{digits[1:]}"
        if candidate not in known:
            return candidate
        digits = str(rng.randint(900000, 999999))


def _mistype_contract(rng: random.Random, invoice: Invoice, known: set[str], sc: Counter[str]) -> None:
    candidates = [x for x in invoice.lines if x.line_type in ("media", "flat_fee")]
    if candidates:
        victim = rng.choice(candidates)
        victim.contract_id = _typo_contract(rng, victim.contract_id, known)
        sc["line_with_unknown_contract"] += 1


def _break_header(rng: random.Random, invoice: Invoice, sc: Counter[str]) -> None:
    lines = invoice.lines
    if len(lines) > 1 and rng.random() < 0.5:
        invoice.header -= lines[-1].amount  # a line added after the total was keyed
    else:
        invoice.header += Decimal(rng.choice(("100.00", "-100.00", "9.00", "-0.90", "1000.00")))
    invoice.header = max(ZERO, invoice.header)
    sc["header_total_mismatch"] += invoice.header != invoice.lines_total


def _ensure_invoice_errors(rng: random.Random, books: Books, known: set[str]) -> None:
    """Each kind of invoice error at least once, so even a 5-dealer demo shows every finding."""
    sc, invoices = books.scenarios, books.invoices
    plain = [i for i in invoices if i.header == i.lines_total and all(x.contract_id in known for x in i.lines)
             and all(x.line_type != "adjustment" for x in i.lines) and i.kind == "monthly"]
    if len(plain) < 4:
        return
    first, second, third, fourth = rng.sample(plain, 4)
    if not sc["missing_invoice"]:
        invoices.remove(first)
        sc["missing_invoice"] += 1
    if not sc["header_total_mismatch"]:
        _break_header(rng, second, sc)
    if not sc["line_with_unknown_contract"]:
        _mistype_contract(rng, third, known, sc)
    if not sc["wrong_line_amount"]:
        line = next(x for x in fourth.lines if x.line_type != "management_fee")
        line.amount = cents(line.amount * Decimal("1.1"))
        fourth.header = fourth.lines_total
        sc["wrong_line_amount"] += 1


def _months_between(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def _first_whole_month(c: Contract) -> date:
    return month_start(c.start) if c.start.day == 1 else month_start(add_months(c.start, 1))


def quarterly_plan(rng: random.Random, world: World) -> dict[str, date]:
    """A few running contracts (flat ones when there are enough) billed quarterly in advance:
    contract_id -> first month of the first quarter; quarters follow every three months. The
    first one's quarters start in T's month, so its latest invoice bills months far ahead."""
    as_of_month = month_start(world.as_of)
    eligible = [c for c in world.contracts if c.end is None and _first_whole_month(c) <= as_of_month]
    flat = [c for c in eligible if not c.is_media]
    pool = flat if len(flat) >= 2 else eligible
    plan: dict[str, date] = {}
    for i, c in enumerate(rng.sample(pool, min(len(pool), max(2, len(pool) // 12)))):
        anchor = add_months(as_of_month, 0 if i == 0 else -rng.randrange(3))  # a month that starts a quarter
        plan[c.contract_id] = add_months(anchor, -3 * (_months_between(_first_whole_month(c), anchor) // 3))
    return plan


def _quarterly_invoice(world: World, c: Contract, month: date) -> Invoice | None:
    """One invoice dated the 1st of `month` billing it and the next two months."""
    lines: list[Line] = []
    for m in (month, add_months(month, 1), add_months(month, 2)):
        amount = billable(c.schedule, c.start, c.end, m)
        if amount > 0:
            lines += _contract_lines(world, c, m, amount)
    if not lines:
        return None
    invoice = Invoice(c.client, month, month, lines, kind="quarterly")
    invoice.header = invoice.lines_total
    return invoice


def _reissue_wrong_invoices(rng: random.Random, world: World, books: Books) -> None:
    """A few single-contract invoices went out with a wrong amount: each is reversed in full by a
    billing_error credit memo a few days later, and a corrected invoice follows."""
    as_of, sc = world.as_of, books.scenarios
    contracts = {c.contract_id: c for c in world.contracts}
    candidates: list[Invoice] = []
    for inv in books.invoices:
        c = contracts.get(inv.lines[0].contract_id)
        if inv.kind != "monthly" or c is None or inv.invoice_date > as_of - timedelta(days=20) \
                or inv.header != inv.lines_total:
            continue
        right = _contract_lines(world, c, inv.month, billable(c.schedule, c.start, c.end, inv.month))
        if inv.lines == right:  # one contract-month, billed right (not one of the broken invoices)
            candidates.append(inv)
    candidates.sort(key=lambda i: (contracts[i.lines[0].contract_id].is_media, i.invoice_date, i.client.client_id))
    wanted = min(len(candidates), max(2, len(books.invoices) // 200))
    flat = [i for i in candidates if not contracts[i.lines[0].contract_id].is_media]
    chosen = rng.sample(flat, min(len(flat), wanted))  # flat ones when possible: the fee is not in the way
    chosen += rng.sample(candidates[len(flat):], wanted - len(chosen))
    for inv in chosen:
        c, right = contracts[inv.lines[0].contract_id], inv.lines
        wrong = cents(right[0].amount * Decimal(rng.choice(("1.10", "1.25", "0.90", "2.00"))))
        inv.lines = _contract_lines(world, c, inv.month, wrong)
        inv.header = inv.lines_total
        memo_date = inv.invoice_date + timedelta(days=rng.randint(3, 10))
        corrected = Invoice(inv.client, min(as_of, memo_date + timedelta(days=rng.randint(0, 3))), inv.month,
                            [Line(x.contract_id, x.service_month, x.line_type, x.amount) for x in right],
                            kind="reissue")
        corrected.header = corrected.lines_total
        books.invoices.append(corrected)
        memo = Memo(inv.client, c.contract_id, inv.month, memo_date, inv.header, "billing_error", inv)
        _apply(memo)
        books.memos.append(memo)
        sc["billing_error_reversed_and_reissued"] += 1


def build_invoices(rng: random.Random, world: World, books: Books, quarterly: dict[str, date] | None = None) -> None:
    """Monthly invoices in advance per dealer (quarterly for the contracts in `quarterly`), with the
    deliberate errors counted in books.scenarios."""
    as_of, sc = world.as_of, books.scenarios
    quarterly = quarterly or {}
    known = {c.contract_id for c in world.contracts}
    by_client: dict[str, list[Contract]] = {}
    for c in world.contracts:
        by_client.setdefault(c.client.client_id, []).append(c)
    cancelled = [c.contract_id for c in world.contracts if c.end is not None and c.end < as_of - timedelta(days=20)
                 and c.renewed_by is None]
    bill_after_cancel = {k for k in cancelled if rng.random() < 0.4}
    if cancelled and not bill_after_cancel:
        bill_after_cancel.add(rng.choice(cancelled))  # even a tiny demo shows this finding
    pending: dict[str, list[Line]] = {}  # corrections to carry on the client's next invoice
    for month in months(world.first_month, month_start(add_months(as_of, 1))):
        for client in world.clients:
            for c in by_client.get(client.client_id, []):
                q0 = quarterly.get(c.contract_id)
                if q0 is not None and q0 <= month <= as_of and _months_between(q0, month) % 3 == 0:
                    invoice = _quarterly_invoice(world, c, month)
                    if invoice is not None:
                        books.invoices.append(invoice)
                        sc["quarterly_invoices"] += 1
                        sc["quarterly_invoices_billing_beyond_next_month"] += \
                            add_months(month, 2) > month_start(add_months(as_of, 1))
            inv_date = month if rng.random() < 0.75 else month - timedelta(days=rng.randint(1, 4))
            if inv_date > as_of:
                continue
            lines: list[Line] = []
            for c in by_client.get(client.client_id, []):
                if c.start > month_end(month):
                    continue
                if c.contract_id in quarterly and month >= quarterly[c.contract_id]:
                    continue  # billed by its quarterly invoice
                if c.end is not None and c.end < month:
                    if c.contract_id in bill_after_cancel and month == month_start(add_months(c.end, 1)):
                        lines += _contract_lines(world, c, month, c.schedule[-1][1])  # cancellation not keyed in
                        sc["billed_after_cancellation"] += 1
                    continue
                amount = billable(c.schedule, c.start, c.end, month)
                if amount <= 0:
                    continue
                if rng.random() < 0.01:
                    sc["missing_contract_lines"] += 1  # this contract-month was never billed
                    continue
                right = _contract_lines(world, c, month, amount)
                full = amount_on(c.schedule, month_end(month))
                if amount != full and full > 0 and rng.random() < 0.1:
                    billed = _contract_lines(world, c, month, full)  # forgot to prorate a partial month
                elif rng.random() < 0.012:
                    billed = _contract_lines(world, c, month, cents(amount * Decimal(rng.choice(("0.9", "1.1")))))
                else:
                    billed = right
                if billed is not right:
                    sc["wrong_line_amount"] += 1
                    diff = sum((x.amount for x in right), ZERO) - sum((x.amount for x in billed), ZERO)
                    if diff and rng.random() < 0.4:  # corrected on the next invoice
                        pending.setdefault(client.client_id, []).append(Line(c.contract_id, month, "adjustment", diff))
                        sc["corrected_by_adjustment_line"] += 1
                lines += billed
            if not lines:
                continue
            if rng.random() < 0.025:
                sc["missing_invoice"] += 1  # the whole month was never invoiced
                continue
            lines += pending.pop(client.client_id, [])
            invoice = Invoice(client, inv_date, month, lines)
            if rng.random() < 0.02:
                _mistype_contract(rng, invoice, known, sc)
            invoice.header = invoice.lines_total
            if rng.random() < 0.02:
                _break_header(rng, invoice, sc)
            books.invoices.append(invoice)
    _ensure_invoice_errors(rng, books, known)
    _reissue_wrong_invoices(rng, world, books)
    books.invoices.sort(key=lambda i: (i.invoice_date, i.client.client_id, i.kind))
    for n, invoice in enumerate(books.invoices, 1):
        invoice.invoice_id = f"INV-{n:06d}"


def _next_invoice(invoices: list[Invoice], after: date, amount: Decimal) -> Invoice | None:
    """The client's first invoice dated on or after `after` with room for the credit."""
    for inv in invoices:
        if inv.invoice_date >= after and inv.header - inv.memo_credit >= amount:
            return inv
    return None


def _apply(memo: Memo) -> None:
    if memo.applied is not None:
        memo.applied.memo_credit += memo.amount
        memo.applied.memo_date = max(memo.applied.memo_date or memo.memo_date, memo.memo_date)


def billed_media(world: World, books: Books) -> dict[tuple[str, date], Decimal]:
    """Media billed per contract and service month at T: media lines of invoices dated on or before T,
    less credit memos other than underspend credits (billing_error, dispute, goodwill) for it."""
    billed: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for inv in books.invoices:
        if inv.invoice_date <= world.as_of:
            for line in inv.lines:
                if line.line_type == "media":
                    billed[(line.contract_id, line.service_month)] += line.amount
    for memo in books.memos:
        if memo.reason != "underspend" and memo.contract_id and memo.service_month is not None \
                and memo.memo_date <= world.as_of:
            billed[(memo.contract_id, memo.service_month)] -= memo.amount
    return billed


def build_memos(rng: random.Random, world: World, spend: SpendTruth, books: Books) -> None:
    """Billing-error and goodwill memos, then underspend credits for most closed months (some still owed)."""
    as_of, sc = world.as_of, books.scenarios
    contracts = {c.contract_id: c for c in world.contracts}
    for inv in books.invoices:
        for line in inv.lines:
            c = contracts.get(line.contract_id)
            if c is None or c.end is None or line.service_month <= c.end or line.line_type == "adjustment":
                continue
            if line.line_type == "management_fee" or rng.random() >= 0.6:
                continue
            amount = sum((x.amount for x in inv.lines if x.contract_id == c.contract_id
                          and x.service_month == line.service_month), ZERO)
            memo_date = inv.invoice_date + timedelta(days=rng.randint(5, 25))
            if memo_date <= as_of and amount <= inv.header - inv.memo_credit:
                memo = Memo(inv.client, c.contract_id, line.service_month, memo_date, amount, "billing_error", inv)
                _apply(memo)
                books.memos.append(memo)
                sc["billing_error_memo"] += 1
    open_invoices = [i for i in books.invoices if i.header - i.memo_credit > 0]
    for n in range(max(2, len(world.clients) // 60)):
        inv = rng.choice(open_invoices)
        amount = Decimal(rng.randint(2, 10) * 50)
        memo_date = min(as_of, inv.invoice_date + timedelta(days=rng.randint(3, 40)))
        applied = inv if rng.random() < 0.7 and inv.header - inv.memo_credit >= amount else None
        client_level = n == 0 or rng.random() < 0.4 or inv.lines[0].contract_id not in contracts
        contract_id = "" if client_level else inv.lines[0].contract_id
        memo = Memo(inv.client, contract_id, None if client_level else inv.month, memo_date, amount, "goodwill",
                    applied)
        _apply(memo)
        books.memos.append(memo)
        sc["goodwill_memo"] += 1
        sc["goodwill_memo_client_level"] += client_level
    by_client: dict[str, list[Invoice]] = {}
    for inv in books.invoices:
        by_client.setdefault(inv.client.client_id, []).append(inv)
    billed = billed_media(world, books)
    for c in world.contracts:
        if not c.is_media:
            continue
        for month in months(c.start, min(c.end or as_of, as_of)):
            if month_end(month) > as_of:
                continue  # not closed yet
            bill = billable(c.schedule, c.start, c.end, month)
            delivered = min(spend.by_contract_month.get((c.contract_id, month), ZERO), bill)
            under = bill - delivered
            if under <= 0:
                continue
            sc["closed_months_with_underspend"] += 1
            due = min(under, max(ZERO, billed.get((c.contract_id, month), ZERO) - delivered))
            if due <= 0:
                sc["underspend_not_billed_no_credit_due"] += 1  # nothing billed beyond what was delivered
                continue
            memo_date = month_end(month) + timedelta(days=rng.randint(8, 25))
            if memo_date > as_of or due < Decimal("50.00") or rng.random() < 0.25:
                sc["underspend_credit_not_issued"] += 1
                continue
            target = _next_invoice(by_client.get(c.client.client_id, []), memo_date, due) \
                if rng.random() < 0.5 else None
            memo = Memo(c.client, c.contract_id, month, memo_date, due, "underspend", target)
            _apply(memo)
            books.memos.append(memo)
            sc["underspend_credit_issued"] += 1


def _reference(rng: random.Random, method: str, pay_date: date, check_no: int) -> str:
    if method == "check":
        return f"CHK {check_no}"
    if method == "ach":
        return f"ACH {pay_date:%Y%m%d} {rng.randint(100000, 999999)}"
    if method == "card":
        return f"CARD x{rng.randint(1000, 9999)} AUTH {rng.randint(100000, 999999)}"
    return f"FED {rng.randint(10**9, 10**10 - 1)}"


def _delay(rng: random.Random, style: str) -> int:
    if style == "on_time":
        return rng.randint(8, 32)
    if style == "late":
        return rng.randint(35, 80)
    return rng.randint(60, 150)


def build_payments(rng: random.Random, world: World, books: Books) -> None:
    """Cash receipts per dealer habit; short pays, overpayments, unapplied cash, split payments, write-offs."""
    as_of, sc = world.as_of, books.scenarios
    pending: list[tuple[date, Client, Decimal, list[tuple[Invoice, Decimal]]]] = []
    by_client: dict[str, list[Invoice]] = {}
    for inv in books.invoices:
        by_client.setdefault(inv.client.client_id, []).append(inv)
    for client in world.clients:
        held: tuple[date, Decimal, list[tuple[Invoice, Decimal]]] | None = None
        for inv in by_client.get(client.client_id, []):
            due = inv.header - inv.memo_credit
            if due <= 0:
                continue
            pay_date = inv.invoice_date + timedelta(days=_delay(rng, client.pay_style))
            if inv.memo_date is not None:
                pay_date = max(pay_date, inv.memo_date + timedelta(days=2))
            if (client.pay_style == "very_late" and rng.random() < 0.15) or pay_date > as_of:
                if pay_date <= as_of and inv.invoice_date < as_of - timedelta(days=200) and due < 3000 \
                        and rng.random() < 0.6:
                    wo_date = inv.invoice_date + timedelta(days=rng.randint(150, 200))
                    books.write_offs.append([inv.invoice_id, wo_date.isoformat(), money(due),
                                             "Uncollectible - small balance"])
                    sc["write_off_uncollectible"] += 1
                continue
            roll = rng.random()
            paid = due
            if roll < 0.04:
                fee = sum((x.amount for x in inv.lines if x.line_type == "management_fee"), ZERO)
                short = fee if ZERO < fee < due and rng.random() < 0.5 else cents(due * rng.randint(3, 10) / 100)
                paid = due - short
                sc["short_pay"] += 1
                follow = rng.random()
                settle_date = pay_date + timedelta(days=rng.randint(60, 150))
                if follow < 0.45 and short < 500 and settle_date <= as_of:
                    books.write_offs.append([inv.invoice_id, settle_date.isoformat(), money(short),
                                             "Short-paid balance under threshold"])
                    sc["write_off_short_pay"] += 1
                elif follow < 0.8 and pay_date + timedelta(days=30) <= as_of:
                    memo_date = pay_date + timedelta(days=rng.randint(5, 30))
                    books.memos.append(Memo(client, "", None, memo_date, short, "dispute", inv))
                    sc["dispute_memo_for_short_pay"] += 1
            elif roll < 0.055:
                paid = due + Decimal(rng.randint(500, 25000)) / 100
                sc["overpayment"] += 1
            if paid <= 0:
                continue
            if client.batches_payments and held is None and paid == due:
                held = (pay_date, paid, [(inv, paid)])
                continue
            if held is not None and paid == due and pay_date - held[0] <= timedelta(days=25):
                pending.append((pay_date, client, held[1] + paid, held[2] + [(inv, paid)]))
                sc["payment_split_across_invoices"] += 1
                held = None
                continue
            if held is not None:
                pending.append((held[0], client, held[1], held[2]))
                held = None
            pending.append((pay_date, client, paid, [(inv, paid)]))
        if held is not None:
            pending.append((held[0], client, held[1], held[2]))
    pending.sort(key=lambda p: (p[0], p[1].client_id, p[3][0][0].invoice_id))
    check_no: dict[str, int] = {}
    for n, (pay_date, client, amount, parts) in enumerate(pending, 1):
        payment_id = f"PMT-{n:06d}"
        check_no[client.client_id] = check_no.get(client.client_id, rng.randint(1001, 8000)) + 1
        books.payments.append([payment_id, client.client_id, pay_date.isoformat(), money(amount), client.method,
                               _reference(rng, client.method, pay_date, check_no[client.client_id])])
        recent = pay_date > as_of - timedelta(days=45)
        if rng.random() < (0.06 if recent else 0.01):
            sc["unapplied_payment"] += 1  # cash received, not matched to an invoice yet
            continue
        for inv, part in parts:
            books.applications.append([payment_id, inv.invoice_id, money(part)])


def write_accounting(writer: LandingWriter, world: World, spend: SpendTruth, seed: int) -> Books:
    """Build and land the six accounting exports; return the books (with the counts of each
    deliberate scenario): the client events are placed against the invoices they follow."""
    books = Books()
    quarterly = quarterly_plan(random.Random(f"revwh-demo/{seed}/quarterly"), world)
    books.scenarios["quarterly_billed_contracts"] = len(quarterly)
    build_invoices(random.Random(f"revwh-demo/{seed}/invoices"), world, books, quarterly)
    build_memos(random.Random(f"revwh-demo/{seed}/memos"), world, spend, books)
    build_payments(random.Random(f"revwh-demo/{seed}/payments"), world, books)
    writer.csv("invoices", ([i.invoice_id, i.client.client_id, i.invoice_date.isoformat(), i.due_date.isoformat(),
                             i.client.currency, money(i.header)] for i in books.invoices))
    writer.csv("invoice_lines", ([i.invoice_id, n, x.contract_id, x.service_month.isoformat(), x.line_type,
                                  money(x.amount)] for i in books.invoices for n, x in enumerate(i.lines, 1)))
    books.memos.sort(key=lambda m: (m.memo_date, m.client.client_id, m.reason, m.contract_id))
    writer.csv("credit_memos", ([f"CM-{n:05d}", m.client.client_id, m.contract_id,
                                 m.service_month.isoformat() if m.service_month else "", m.memo_date.isoformat(),
                                 money(m.amount), m.reason, m.applied.invoice_id if m.applied else ""]
                                for n, m in enumerate(books.memos, 1)))
    writer.csv("payments", books.payments)
    writer.csv("payment_applications", books.applications)
    books.write_offs.sort(key=lambda w: (str(w[1]), str(w[0])))
    writer.csv("write_offs", books.write_offs)
    books.scenarios["invoices"] = len(books.invoices)
    books.scenarios["payments"] = len(books.payments)
    return books
