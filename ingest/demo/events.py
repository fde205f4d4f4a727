"""The demo's client events (`contracting/client_events.csv`): dealerships sold to a new owner.

The invoice run's review list names an ownership change dated after the client's previous invoice
(SPEC 6), so the demo plants a few where the draft of the month after T shows them: each dated
after the client's latest invoice dated on or before T (and never after T), for a client with a
contract billable in that month which no invoice dated by T bills yet. One more, older than its
client's previous invoice, stays off the review list (an event already seen on an invoice). Drawn
from a random stream of their own, so the rest of the demo is the same bytes with or without them.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from ingest.demo.accounting import Books
from ingest.demo.calendar import add_months, billable, month_start
from ingest.demo.world import World

OWNERSHIP_CHANGE = "ownership_change"


def client_events(world: World, books: Books, seed: int) -> tuple[list[list[str]], Counter[str]]:
    """(rows client_id, event_date, event_type sorted by date and client; the counts planted)."""
    rng = random.Random(f"revwh-demo/{seed}/client_events")
    as_of = world.as_of
    draft_month = month_start(add_months(as_of, 1))
    latest: dict[str, date] = {}
    billed_draft_month: set[str] = set()
    for inv in books.invoices:
        if inv.invoice_date > as_of:
            continue
        cid = inv.client.client_id
        latest[cid] = max(latest.get(cid, inv.invoice_date), inv.invoice_date)
        if any(line.service_month == draft_month for line in inv.lines):
            billed_draft_month.add(cid)
    drafted = {c.client.client_id for c in world.contracts
               if billable(c.schedule, c.start, c.end, draft_month) > 0}
    eligible = sorted(cid for cid in drafted - billed_draft_month if cid in latest and latest[cid] < as_of)
    recent = rng.sample(eligible, min(len(eligible), max(1, len(world.clients) // 100)))
    rows = [[cid, (latest[cid] + timedelta(days=rng.randint(1, (as_of - latest[cid]).days))).isoformat(),
             OWNERSHIP_CHANGE] for cid in recent]
    counts: Counter[str] = Counter(ownership_changes_to_review=len(rows))
    # an older sale: before the client's previous invoice, so already billed under the new owner
    older = sorted(cid for cid in latest if cid not in recent and latest[cid] - world.first_month > timedelta(days=90))
    if older:
        cid = rng.choice(older)
        span = (latest[cid] - world.first_month).days - 60
        rows.append([cid, (world.first_month + timedelta(days=30 + rng.randrange(span))).isoformat(), OWNERSHIP_CHANGE])
        counts["ownership_changes_already_invoiced"] = 1
    rows.sort(key=lambda r: (r[1], r[0]))
    return rows, counts
