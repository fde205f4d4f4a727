"""QuickBooks Online: customers, items, invoices, payments and credit memos through python-quickbooks.

The first pull reads every Customer, Item, Invoice, Payment and CreditMemo with the query
endpoint (`SELECT * FROM <entity> STARTPOSITION n MAXRESULTS 1000`, paged); later pulls ask only
for what changed since the last pull, through change data capture (`/cdc`, looking back from the
last pull time less CDC_OVERLAP). CDC looks back 30 days at most, so a last pull older than
FULL_AFTER_DAYS, a state file of another company, or a CDC answer at its 1,000-object cap is a
full pull again. The current set of documents and the last pull time are kept in
`<landing>/.revwh/quickbooks_state.json` (discovery skips `.revwh/`, ingest/landing.py), and the
landing files are rewritten from that set on every pull, so a deleted (CDC `status: Deleted`) or
voided invoice leaves the landing.

Mapping (SPEC 6 and docs/connectors.md "QuickBooks Online"): `Customer.AcctNum` is the client_id
(a customer without one: its documents are not written, one error line each); item names map to
product and line type through `contracting/ledger_items*.csv`; a line's contract is the client's
contract of the product active on its ServiceDate (none or several: contract_id empty, one
exception line). Files, in the landing contract's own columns, sort after hand exports:
`accounting/{invoices,invoice_lines,credit_memos,payments,payment_applications}_qbo.csv` and
`accounting/qbo_balances.csv` (QuickBooks' own open balances with the pull time; customer rows carry
the Customer Id and DisplayName, which the credit run and `revwh post --credits` use). A credit memo
numbered `UC-<contract>-<YYYY-MM>` (posted by `revwh post --credits`) is an underspend credit of that
contract and month.

Throttling (HTTP 429, fault code 003001) waits (Retry-After, else 60 s) within the bounded retry
budget of common.with_retry; a 401 is one line naming the variable to set again. Credentials:
QBO_REALM_ID with QBO_ACCESS_TOKEN, or QBO_CLIENT_ID, QBO_CLIENT_SECRET and QBO_REFRESH_TOKEN
(refreshed through intuit-oauth; the tokens kept in REVWH_QBO_TOKEN_FILE, outside the repository).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ingest.contract import TABLES_BY_NAME
from ingest.landing import STATE_FOLDER
from ingest.platforms.common import (
    ACCOUNT_RETRY_BUDGET_S,
    REQUEST_TIMEOUT_S,
    MissingCredential,
    PullError,
    PullResult,
    Retry,
    RetryBudget,
    connection_problem,
    credential,
    error_line,
    optional_credential,
    throttled,
    transient,
    utc_now,
    with_retry,
)
from ingest.platforms.scrub import install_log_filters, one_line, register_secret

PLATFORM = "quickbooks"
SECTION = "quickbooks"  # [quickbooks] of REVWH_CREDENTIALS_FILE
DEFAULT_BASE_URL = "https://quickbooks.api.intuit.com"
MINOR_VERSION = 75
ENTITIES = ("Customer", "Item", "Invoice", "Payment", "CreditMemo")
PAGE_SIZE = 1000  # QuickBooks' maximum MAXRESULTS; one CDC answer holds at most as many per entity
FULL_AFTER_DAYS = 29  # CDC looks back 30 days at most: an older last pull is a full pull again
CDC_OVERLAP = timedelta(minutes=5)  # asked again, for clock skew: re-reading a document changes nothing
THROTTLE_DEFAULT_S = 60.0
STATE_FILE = Path(STATE_FOLDER) / "quickbooks_state.json"
STATE_VERSION = 1
AUTH_LINE = "QuickBooks refused the access token: set QBO_ACCESS_TOKEN (or QBO_REFRESH_TOKEN) again"
TOKEN_MARGIN = timedelta(minutes=5)  # a stored access token this close to expiry is refreshed first
FILES = {
    "invoices": "invoices_qbo.csv",
    "invoice_lines": "invoice_lines_qbo.csv",
    "credit_memos": "credit_memos_qbo.csv",
    "payments": "payments_qbo.csv",
    "payment_applications": "payment_applications_qbo.csv",
    "write_offs": "write_offs_qbo.csv",
    "qbo_balances": "qbo_balances.csv",
}
CENT = Decimal("0.01")
# The DocNumber `revwh post --credits` gives an underspend credit memo (orchestration/reports/credit_coop.py,
# credit_memo_no): UC-<contract>-<YYYY-MM>. A memo so numbered settles that contract's month.
UNDERSPEND_NUMBER = re.compile(r"UC-(.+)-(\d{4}-(?:0[1-9]|1[0-2]))")
ZERO = Decimal("0")
REASONS = ("underspend", "dispute", "goodwill", "billing_error")
METHODS = (  # PaymentMethodRef name (lower case) contains -> payments.method
    (("credit card", "card", "visa", "mastercard", "amex", "american express", "discover"), "card"),
    (("ach", "eft", "direct deposit", "bank transfer", "e-transfer", "etransfer"), "ach"),
    (("cheque", "check"), "check"),
    (("wire",), "wire"),
)


# ---------------------------------------------------------------------------------------- errors


class Throttled(Exception):
    """HTTP 429 from QuickBooks (more than 500 requests a minute, or 10 at once)."""

    def __init__(self, delay: float | None) -> None:
        self.delay = delay
        super().__init__("HTTP 429")


class ServerError(Exception):
    """HTTP 5xx: QuickBooks failed on its side (retried after 1, 2, 4 s)."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(f"HTTP {status}")


def _classify(exc: Exception) -> Retry | None:
    from quickbooks.exceptions import QuickbooksException

    if isinstance(exc, Throttled):
        if exc.delay is not None:
            return throttled("HTTP 429", exc.delay)
        return throttled("HTTP 429", THROTTLE_DEFAULT_S, asked=False)
    if isinstance(exc, QuickbooksException):
        if exc.error_code == 3001:  # fault code 003001: ThrottleExceeded
            return throttled("fault 003001", THROTTLE_DEFAULT_S, asked=False)
        return None
    if isinstance(exc, ServerError):
        return transient(f"QuickBooks failed on its side (HTTP {exc.status})")
    problem = connection_problem(exc)
    return transient(f"cannot reach QuickBooks ({problem})") if problem else None


def _error_text(exc: BaseException) -> str:
    from quickbooks.exceptions import AuthorizationException, QuickbooksException

    if isinstance(exc, AuthorizationException):
        return AUTH_LINE
    if isinstance(exc, QuickbooksException):
        if exc.error_code == 10000 and str(exc.message).startswith("Error reading json"):
            return "QuickBooks answered something that is not JSON"
        return f"QuickBooks error {exc.error_code}: {exc.message}"
    if isinstance(exc, ServerError):
        return f"QuickBooks failed on its side (HTTP {exc.status})"
    problem = connection_problem(exc)
    if problem:
        return f"cannot reach QuickBooks ({problem})"
    return error_line("QuickBooks", exc)


# ----------------------------------------------------------------------------------- credentials


def configured() -> bool:
    """QBO_REALM_ID plus an access token or the three refresh credentials (for `revwh run --pull`)."""
    if not optional_credential("QBO_REALM_ID", SECTION, secret=False):
        return False
    if optional_credential("QBO_ACCESS_TOKEN", SECTION):
        return True
    return all(optional_credential(n, SECTION) for n in ("QBO_CLIENT_ID", "QBO_CLIENT_SECRET", "QBO_REFRESH_TOKEN"))


def token_file() -> Path:
    """Where refreshed tokens are kept: REVWH_QBO_TOKEN_FILE, else the Dagster home, else ~/.config/revwh."""
    named = os.environ.get("REVWH_QBO_TOKEN_FILE")
    if named:
        return Path(named).expanduser()
    home = os.environ.get("DAGSTER_HOME")
    if home:
        return Path(home) / "qbo_token.json"
    return Path.home() / ".config" / "revwh" / "qbo_token.json"


def _seed(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode()).hexdigest()[:16]


def _refreshed_access_token(force: bool = False) -> str:
    """An access token from the refresh credentials, through intuit-oauth's AuthClient.

    QuickBooks rotates the refresh token on each refresh, so the newest pair is kept in the token
    file (mode 0600) and used next time, unless QBO_REFRESH_TOKEN was set to another value since."""
    client_id = credential("QBO_CLIENT_ID", SECTION)
    client_secret = credential("QBO_CLIENT_SECRET", SECTION)
    configured_refresh = credential("QBO_REFRESH_TOKEN", SECTION)
    path = token_file()
    stored: dict[str, Any] = {}
    if path.is_file():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
    if stored.get("seed") != _seed(configured_refresh):
        stored = {}  # QBO_REFRESH_TOKEN was set again: start from it
    for key in ("access_token", "refresh_token"):
        register_secret(stored.get(key))
    now = datetime.now(UTC)
    expires = stored.get("expires_at")
    if not force and stored.get("access_token") and expires and datetime.fromisoformat(expires) - TOKEN_MARGIN > now:
        return str(stored["access_token"])
    from intuitlib.client import AuthClient

    auth = AuthClient(client_id, client_secret, "https://developer.intuit.com/v2/OAuth2Playground/RedirectUrl",
                      "production")
    auth.refresh(refresh_token=stored.get("refresh_token") or configured_refresh)
    register_secret(auth.access_token)
    register_secret(auth.refresh_token)
    record = {
        "seed": _seed(configured_refresh),
        "access_token": auth.access_token,
        "refresh_token": auth.refresh_token,
        "expires_at": (now + timedelta(seconds=int(auth.expires_in or 3600))).isoformat(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(record, fh)
    tmp.replace(path)
    return str(auth.access_token)


def _access_token(force_refresh: bool = False) -> tuple[str, bool]:
    """(access token, whether it can be refreshed)."""
    token = optional_credential("QBO_ACCESS_TOKEN", SECTION)
    if token:
        return token, False
    if not optional_credential("QBO_REFRESH_TOKEN", SECTION):
        raise MissingCredential(
            f"missing credential: set QBO_ACCESS_TOKEN, or QBO_CLIENT_ID, QBO_CLIENT_SECRET and QBO_REFRESH_TOKEN"
            f" (environment or REVWH_CREDENTIALS_FILE [{SECTION}])")
    return _refreshed_access_token(force_refresh), True


def _client(realm: str, token: str) -> Any:
    """A QuickBooks client without AuthClient (whose constructor fetches Intuit's discovery
    document): an OAuth2Session with the bearer token, every request bounded in time; a 429 or a
    5xx raises before the SDK reads the answer."""
    from quickbooks import QuickBooks
    from requests_oauthlib import OAuth2Session

    class _Session(OAuth2Session):
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            kwargs.setdefault("timeout", REQUEST_TIMEOUT_S)
            response = super().request(method, url, *args, **kwargs)
            if response.status_code == 429:
                raw = response.headers.get("Retry-After")
                try:
                    delay = float(raw) if raw else None
                except ValueError:
                    delay = None
                raise Throttled(delay)
            if response.status_code >= 500:
                raise ServerError(response.status_code)
            return response

    qb = QuickBooks(company_id=realm, minorversion=MINOR_VERSION, use_decimal=True)
    qb.session = _Session("revwh", token={"access_token": token, "token_type": "Bearer"})
    base = (os.environ.get("REVWH_QBO_URL") or DEFAULT_BASE_URL).rstrip("/")
    qb.api_url_v3 = qb.sandbox_api_url_v3 = base + "/v3"
    install_log_filters()
    return qb


# ------------------------------------------------------------------------------------ reading


def _query_all(qb: Any, entity: str, call: Callable[[Callable[[], Any]], Any]) -> list[dict]:
    out: list[dict] = []
    start = 1
    while True:
        select = f"SELECT * FROM {entity} STARTPOSITION {start} MAXRESULTS {PAGE_SIZE}"
        answer = call(lambda s=select: qb.query(s))
        page = (answer.get("QueryResponse") or {}).get(entity) or []
        out += page
        if len(page) < PAGE_SIZE:
            return out
        start += PAGE_SIZE


@dataclass
class State:
    realm: str = ""
    last_pull: str = ""
    documents: dict[str, dict[str, dict]] = field(default_factory=dict)  # entity -> Id -> object

    @classmethod
    def load(cls, landing_dir: Path) -> State:
        path = landing_dir / STATE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            return cls()
        return cls(str(data.get("realm") or ""), str(data.get("last_pull") or ""), data.get("documents") or {})

    def save(self, landing_dir: Path) -> None:
        path = landing_dir / STATE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        body = {"version": STATE_VERSION, "realm": self.realm, "last_pull": self.last_pull,
                "documents": self.documents}
        tmp.write_text(json.dumps(body, default=str, sort_keys=True), encoding="utf-8")
        tmp.replace(path)


@dataclass
class PullCounts:
    """What one pull read, for the Dagster asset's metadata and the CLI line: the documents
    QuickBooks sent per entity (a full pull: all of them; a CDC pull: the changed ones, deletions
    included), the deleted ones removed from the set, the voided ones in the set (left out of the
    landing), and the CDC window (changedSince to the pull time; empty for a full pull)."""

    pulled: dict[str, int] = field(default_factory=dict)  # entity -> objects QuickBooks sent
    deleted: int = 0
    voided: int = 0
    window: tuple[str, str] | None = None

    def metadata(self) -> dict[str, object]:
        names = {"Customer": "customers", "Item": "items", "Invoice": "invoices", "Payment": "payments",
                 "CreditMemo": "credit_memos"}
        return {
            **{f"{names[e]}_pulled": self.pulled.get(e, 0) for e in ENTITIES},
            "deleted_removed": self.deleted,
            "voided_left_out": self.voided,
            "cdc_window": f"{self.window[0]} to {self.window[1]}" if self.window else "",
        }

    def line(self) -> str:
        """One line for `revwh pull --platform quickbooks`."""
        read = ", ".join(f"{self.pulled.get(e, 0)} {w}" for e, w in (
            ("Customer", "customers"), ("Item", "items"), ("Invoice", "invoices"), ("Payment", "payments"),
            ("CreditMemo", "credit memos")))
        window = f"; changes from {self.window[0]} to {self.window[1]}" if self.window else ""
        return f"read {read}; {self.deleted} deleted removed, {self.voided} voided left out{window}"


def _full(qb: Any, call: Callable[[Callable[[], Any]], Any], counts: PullCounts) -> dict[str, dict[str, dict]]:
    docs = {e: {str(o["Id"]): o for o in _query_all(qb, e, call)} for e in ENTITIES}
    counts.pulled = {e: len(docs[e]) for e in ENTITIES}
    return docs


def _apply_cdc(
    qb: Any, state: State, since: datetime, call: Callable[[Callable[[], Any]], Any], counts: PullCounts
) -> bool:
    """Apply the changes since `since` to the state, counting them in `counts`; False when an
    answer hit its cap (pull in full)."""
    answer = call(lambda: qb.change_data_capture(",".join(ENTITIES), since.isoformat()))
    for block in answer.get("CDCResponse") or []:
        for response in block.get("QueryResponse") or []:
            for entity in ENTITIES:
                objects = response.get(entity)
                if objects is None:
                    continue
                if len(objects) >= PAGE_SIZE:
                    return False
                docs = state.documents.setdefault(entity, {})
                counts.pulled[entity] = counts.pulled.get(entity, 0) + len(objects)
                for obj in objects:
                    if str(obj.get("status", "")).lower() == "deleted":
                        counts.deleted += docs.pop(str(obj["Id"]), None) is not None
                    else:
                        docs[str(obj["Id"])] = obj
    return True


# ------------------------------------------------------------------------------------ mapping


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0)).quantize(CENT)
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None


def _text(amount: Decimal) -> str:
    return str(amount.quantize(CENT))


def _month(day: str) -> str:
    return date.fromisoformat(day[:10]).replace(day=1).isoformat()


def _ref(obj: dict, key: str) -> dict:
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def _latest_rows(landing_dir: Path, table: str) -> list[dict[str, str]]:
    """The current rows of a contracting table from the landing's CSV files (the file sorting last
    wins per natural key, as the loader ranks them)."""
    spec = TABLES_BY_NAME[table]
    folder = landing_dir / spec.folder
    rows: dict[tuple[str, ...], dict[str, str]] = {}
    from ingest.landing import table_for

    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        if table_for(spec.folder, path.name) is not spec:
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for raw in csv.DictReader(fh):
                row = {str(k).strip().lower(): (v or "").strip() for k, v in raw.items() if k}
                if not any(row.values()):
                    continue
                rows[tuple(row.get(k, "") for k in spec.key)] = row
    return list(rows.values())


@dataclass
class Ledger:
    items: dict[str, tuple[str, str]]  # item name -> (product_code, line_type)
    contracts: list[dict[str, str]]

    @classmethod
    def read(cls, landing_dir: Path) -> Ledger:
        items = {r["item_name"]: (r.get("product_code", ""), r.get("line_type", "").lower())
                 for r in _latest_rows(landing_dir, "ledger_items") if r.get("item_name")}
        return cls(items, _latest_rows(landing_dir, "contracts"))

    def contract(self, client: str, product: str, day: str) -> tuple[str, str | None]:
        """(contract_id, None) or ("", why not)."""
        found = sorted(
            c["contract_id"] for c in self.contracts
            if c.get("client_id") == client and c.get("product_code") == product
            and c.get("start_date", "") <= day and (not c.get("end_date") or day <= c["end_date"])
        )
        if len(found) == 1:
            return found[0], None
        if not found:
            return "", f"no contract of client {client} for product {product} active on {day}"
        return "", f"several contracts of client {client} for product {product} active on {day} ({', '.join(found)})"


class Skip(Exception):
    """A document that cannot be written: the message says what is missing."""


@dataclass
class Mapped:
    rows: dict[str, list[list[str]]] = field(default_factory=lambda: {t: [] for t in FILES})
    errors: dict[str, str] = field(default_factory=dict)  # document -> why it was not written
    exceptions: list[str] = field(default_factory=list)  # written, with something missing


def _voided(doc: dict) -> bool:
    return _money(doc.get("TotalAmt")) == ZERO and "void" in str(doc.get("PrivateNote") or "").lower()


def _method(payment: dict) -> str:
    name = str(_ref(payment, "PaymentMethodRef").get("name") or "").lower()
    for words, method in METHODS:
        if any(re.search(rf"\b{re.escape(w)}\b", name) for w in words):
            return method
    return ""


def map_documents(docs: dict[str, dict[str, dict]], ledger: Ledger, pulled_at: datetime) -> Mapped:
    """The landing rows of a QuickBooks document set (pure: tests call it directly)."""
    out = Mapped()
    stamp = pulled_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    customers = docs.get("Customer", {})
    items = docs.get("Item", {})

    def client_of(doc: dict) -> tuple[str, str]:
        ref = _ref(doc, "CustomerRef")
        customer = customers.get(str(ref.get("value")), {})
        client = str(customer.get("AcctNum") or "").strip()
        if not client:
            name = customer.get("DisplayName") or ref.get("name") or "?"
            raise Skip(f"customer {name} (Id {ref.get('value')}) has no AcctNum (the contracting client_id)")
        currency = _ref(doc, "CurrencyRef").get("value") or _ref(customer, "CurrencyRef").get("value")
        if not currency:
            raise Skip("no currency (CurrencyRef) on the document or its customer")
        return client, str(currency)

    def item_of(line: dict) -> tuple[str, str, str]:
        ref = _ref(line.get("SalesItemLineDetail") or {}, "ItemRef")
        item = items.get(str(ref.get("value")), {})
        for name in (ref.get("name"), item.get("Name"), item.get("FullyQualifiedName")):
            if name and name in ledger.items:
                return (name, *ledger.items[name])
        name = ref.get("name") or item.get("Name") or f"Id {ref.get('value')}"
        raise Skip(f"item {name!r} is not in contracting/ledger_items.csv")

    invoice_ids: dict[str, str] = {}  # QuickBooks Id -> invoice_id
    for qid, inv in sorted(docs.get("Invoice", {}).items()):
        invoice_ids[qid] = str(inv.get("DocNumber") or qid)
    memo_ids = {qid: str(m.get("DocNumber") or qid) for qid, m in docs.get("CreditMemo", {}).items()}

    # -- invoices and their lines
    written_invoices: set[str] = set()
    for qid, inv in sorted(docs.get("Invoice", {}).items(), key=lambda kv: invoice_ids[kv[0]]):
        invoice_id = invoice_ids[qid]
        if _voided(inv):
            continue
        try:
            client, currency = client_of(inv)
            txn_date = str(inv["TxnDate"])[:10]
            lines: list[list[str]] = []
            notes: list[str] = []
            total_lines = ZERO
            for pos, line in enumerate(inv.get("Line") or []):
                kind = line.get("DetailType")
                if kind in ("SubTotalLineDetail", "DescriptionOnly"):
                    continue
                amount = _money(line.get("Amount"))
                if kind == "DiscountLineDetail":
                    lines.append([invoice_id, str(pos), "", _month(txn_date), "adjustment", _text(-amount)])
                    total_lines -= amount
                    continue
                if kind != "SalesItemLineDetail":
                    raise Skip(f"line {pos} is a {kind} line, which revwh does not map")
                name, product, line_type = item_of(line)
                if line_type == "underspend":
                    raise Skip(f"line {pos}: item {name!r} is an underspend item (credit memos only)")
                day = str((line.get("SalesItemLineDetail") or {}).get("ServiceDate") or txn_date)[:10]
                contract = ""
                if product:
                    contract, why = ledger.contract(client, product, day)
                    if why:
                        notes.append(f"invoice {invoice_id} line {pos}: {why}; contract_id left empty")
                lines.append([invoice_id, str(pos), contract, _month(day), line_type, _text(amount)])
                total_lines += amount
            tax = _money(_ref(inv, "TxnTaxDetail").get("TotalTax"))
            if tax > ZERO:
                lines.append([invoice_id, str(len(inv.get("Line") or [])), "", _month(txn_date), "tax", _text(tax)])
                total_lines += tax
            total = _money(inv.get("TotalAmt"))
            if total_lines != total:
                notes.append(f"invoice {invoice_id}: its lines come to {_text(total_lines)}, TotalAmt {_text(total)}")
        except Skip as exc:
            out.errors[f"invoice {invoice_id}"] = f"{exc}: not written"
            continue
        due = str(inv.get("DueDate") or txn_date)[:10]
        out.rows["invoices"].append([invoice_id, client, txn_date, due, currency, _text(total)])
        out.rows["invoice_lines"] += lines
        out.rows["qbo_balances"].append(["invoice", invoice_id, client, currency, _text(_money(inv.get("Balance"))),
                                         stamp, ""])
        out.exceptions += notes
        written_invoices.add(invoice_id)

    # -- payments: cash applications, and the credit memos they apply
    credit_parts: dict[str, dict[str, Decimal]] = {}  # memo Id -> invoice_id -> credit applied
    for qid, pay in sorted(docs.get("Payment", {}).items()):
        payment_id = qid
        if _voided(pay):
            continue
        try:
            client, currency = client_of(pay)
        except Skip as exc:
            out.errors[f"payment {payment_id}"] = f"{exc}: not written"
            continue
        invoices: dict[str, Decimal] = {}
        credits: dict[str, Decimal] = {}
        for line in pay.get("Line") or []:
            amount = _money(line.get("Amount"))
            for link in line.get("LinkedTxn") or []:
                kind, txn = link.get("TxnType"), str(link.get("TxnId"))
                if kind == "Invoice":
                    inv_id = invoice_ids.get(txn, txn)
                    invoices[inv_id] = invoices.get(inv_id, ZERO) + amount
                elif kind == "CreditMemo":
                    credits[txn] = credits.get(txn, ZERO) + amount
        # The credit used in a payment settles its invoices first, in line order; the rest is cash.
        cash = dict(invoices)
        for memo, credit in credits.items():
            for inv_id in cash:
                take = min(credit, cash[inv_id])
                if take > ZERO:
                    credit_parts.setdefault(memo, {})
                    credit_parts[memo][inv_id] = credit_parts[memo].get(inv_id, ZERO) + take
                    cash[inv_id] -= take
                    credit -= take
            if credit > ZERO:
                out.exceptions.append(f"payment {payment_id}: credit memo {memo_ids.get(memo, memo)} applies"
                                      f" {_text(credit)} more than the invoices it pays")
        for inv_id, amount in cash.items():
            if amount > ZERO:
                out.rows["payment_applications"].append([payment_id, inv_id, _text(amount)])
                if inv_id not in written_invoices:
                    out.exceptions.append(f"payment {payment_id}: applied to invoice {inv_id}, which is not written")
        total = _money(pay.get("TotalAmt"))
        if total == ZERO:
            continue  # no cash: only applies credit memos (written with the memos)
        out.rows["payments"].append([payment_id, client, str(pay["TxnDate"])[:10], _text(total), _method(pay),
                                     str(pay.get("PaymentRefNum") or ""), currency])
        out.rows["qbo_balances"].append(["payment", payment_id, client, currency,
                                         _text(_money(pay.get("UnappliedAmt"))), stamp, ""])

    # -- credit memos: one row, or one per invoice a part was applied to plus the credit left
    write_offs: dict[tuple[str, str], tuple[Decimal, list[str]]] = {}  # (invoice_id, day) -> amount, memos
    for qid, memo in sorted(docs.get("CreditMemo", {}).items(), key=lambda kv: memo_ids[kv[0]]):
        memo_id = memo_ids[qid]
        if _voided(memo):
            continue
        try:
            client, currency = client_of(memo)
            txn_date = str(memo["TxnDate"])[:10]
            reasons: set[str] = set()
            contracts: set[str] = set()
            months: list[str] = []
            notes = []
            kinds: set[str] = set()  # the line types of its items: all write_off makes it a write-off
            for pos, line in enumerate(memo.get("Line") or []):
                if line.get("DetailType") != "SalesItemLineDetail":
                    continue
                name, product, line_type = item_of(line)
                kinds.add(line_type)
                if line_type == "underspend":
                    reasons.add("underspend")
                day = str((line.get("SalesItemLineDetail") or {}).get("ServiceDate") or txn_date)[:10]
                months.append(_month(day))
                if product:
                    contract, why = ledger.contract(client, product, day)
                    contracts.add(contract)
                    if why:
                        notes.append(f"credit memo {memo_id} line {pos}: {why}; contract_id left empty")
        except Skip as exc:
            out.errors[f"credit memo {memo_id}"] = f"{exc}: not written"
            continue
        note = str(memo.get("PrivateNote") or "").lower().replace("billing error", "billing_error")
        reason = "underspend" if reasons else next((r for r in REASONS if r in note), "billing_error")
        contract = contracts.pop() if len(contracts) == 1 else ""
        month = min(months) if months else _month(txn_date)
        posted = UNDERSPEND_NUMBER.fullmatch(memo_id)
        if posted:  # posted by `revwh post --credits`: its number names the contract and month
            contract, month, reason = posted.group(1), f"{posted.group(2)}-01", "underspend"
        total = _money(memo.get("TotalAmt"))
        parts = credit_parts.get(qid, {})
        base = [client, contract, month, txn_date]
        if kinds == {"write_off"} and not parts:
            notes.append(f"credit memo {memo_id}: a write-off not applied to an invoice; written as a credit memo"
                         " (apply it to the invoice in QuickBooks)")
        elif kinds == {"write_off"}:
            # QuickBooks has no write-off: a bad-debt credit memo applied to the invoice is one. Its
            # applied parts are write-offs (summed per invoice and day, the table's key); a part left
            # unapplied stays a credit memo below, with a note (QuickBooks holds it as a credit).
            for inv_id, part in sorted(parts.items()):
                key = (inv_id, txn_date)
                amount, names = write_offs.get(key, (ZERO, []))
                write_offs[key] = (amount + part, [*names, memo_id])
            parts = {}
            total -= sum(credit_parts[qid].values(), ZERO)
            if total > ZERO:
                notes.append(f"credit memo {memo_id}: a write-off with {_text(total)} not applied to an invoice;"
                             " written as a credit memo (apply it to the invoice in QuickBooks)")
            elif total < ZERO:
                notes.append(f"credit memo {memo_id}: applied {_text(-total)} beyond its total")
            if total <= ZERO:
                out.rows["qbo_balances"].append(["credit_memo", memo_id, client, currency,
                                                 _text(_money(memo.get("RemainingCredit"))), stamp, ""])
                out.exceptions += notes
                continue
        if len(parts) == 1 and next(iter(parts.values())) == total:
            out.rows["credit_memos"].append([memo_id, *base, _text(total), reason, next(iter(parts))])
        else:
            for inv_id, part in sorted(parts.items()):
                out.rows["credit_memos"].append([f"{memo_id}@{inv_id}", *base, _text(part), reason, inv_id])
            left = total - sum(parts.values(), ZERO)
            if left > ZERO:
                out.rows["credit_memos"].append([memo_id, *base, _text(left), reason, ""])
            elif left < ZERO:
                notes.append(f"credit memo {memo_id}: applied {_text(-left)} beyond its total")
        out.rows["qbo_balances"].append(["credit_memo", memo_id, client, currency,
                                         _text(_money(memo.get("RemainingCredit"))), stamp, ""])
        out.exceptions += notes

    for (inv_id, day), (amount, names) in sorted(write_offs.items()):
        out.rows["write_offs"].append([inv_id, day, _text(amount),
                                       f"bad debt: QuickBooks credit memo {', '.join(names)}"])
        if inv_id not in written_invoices:
            out.exceptions.append(f"credit memo {', '.join(names)}: writes off invoice {inv_id}, which is not written")

    # -- customers' own balances (those with a client_id)
    for qid, customer in sorted(customers.items()):
        client = str(customer.get("AcctNum") or "").strip()
        currency = _ref(customer, "CurrencyRef").get("value")
        if client and currency:
            out.rows["qbo_balances"].append(["customer", qid, client, str(currency),
                                             _text(_money(customer.get("Balance"))), stamp,
                                             str(customer.get("DisplayName") or "")])
    return out


# ------------------------------------------------------------------------------------- writing


def _write(landing_dir: Path, table: str, rows: list[list[str]]) -> Path:
    spec = TABLES_BY_NAME[table]
    folder = landing_dir / spec.folder
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILES[table]
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(spec.columns)
        writer.writerows(rows)
    tmp.replace(path)  # the loader never sees a half-written file
    return path


@dataclass
class QuickBooksResult(PullResult):
    mode: str = ""  # "full" or "changes"
    exceptions: list[str] = field(default_factory=list)  # written, with something missing (one line each)
    files: list[Path] = field(default_factory=list)
    counts: PullCounts = field(default_factory=PullCounts)


def pull(
    landing_dir: Path,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    note: Callable[[str], None] | None = None,
    budget_s: float = ACCOUNT_RETRY_BUDGET_S,
) -> QuickBooksResult:
    """Pull the company's documents (in full, or the changes since the last pull) and rewrite the
    QuickBooks landing files. A failure of QuickBooks (401, a fault, a spent retry budget) is one
    line in `errors` and writes nothing; a document that cannot be mapped is one line in `errors`
    and the others are written; only a missing credential raises."""
    realm = credential("QBO_REALM_ID", SECTION, secret=False)
    token, refreshable = _access_token()
    now = (now or utc_now()).astimezone(UTC)
    company = f"company {realm}"
    budget = RetryBudget(budget_s, sleep=sleep, note=note)

    def call(fn: Callable[[], Any]) -> Any:
        return with_retry(fn, classify=_classify, budget=budget, what="QuickBooks")

    state = State.load(landing_dir)
    mode = "full"
    try:
        try:
            qb = _client(realm, token)
            mode, docs, counts = _read(qb, state, realm, now, call)
        except Exception as exc:
            from quickbooks.exceptions import AuthorizationException

            if not (refreshable and isinstance(exc, AuthorizationException)):
                raise
            qb = _client(realm, _access_token(force_refresh=True)[0])  # a revoked access token: once more
            mode, docs, counts = _read(qb, state, realm, now, call)
    except MissingCredential:
        raise
    except PullError as exc:
        return QuickBooksResult(PLATFORM, None, 0, [realm], {company: one_line(str(exc))}, mode=mode)
    except Exception as exc:  # noqa: BLE001 (every SDK failure is one line, by design)
        try:
            text = _error_text(exc)
        except Exception:  # noqa: BLE001
            text = error_line("QuickBooks", exc)
        return QuickBooksResult(PLATFORM, None, 0, [realm], {company: one_line(text)}, mode=mode)

    counts.voided = sum(_voided(d) for e in ("Invoice", "Payment", "CreditMemo") for d in docs.get(e, {}).values())
    mapped = map_documents(docs, Ledger.read(landing_dir), now)
    files = [_write(landing_dir, table, rows) for table, rows in mapped.rows.items()]
    State(realm, now.isoformat(), docs).save(landing_dir)  # after the files: a lost state re-reads, never skips
    return QuickBooksResult(
        PLATFORM,
        landing_dir / "accounting",
        sum(len(r) for r in mapped.rows.values()),
        [realm],
        {k: one_line(v) for k, v in mapped.errors.items()},
        mode=mode,
        exceptions=[one_line(e) for e in mapped.exceptions],
        files=files,
        counts=counts,
    )


def _read(
    qb: Any, state: State, realm: str, now: datetime, call: Callable[[Callable[[], Any]], Any]
) -> tuple[str, dict[str, dict[str, dict]], PullCounts]:
    """("changes", documents, counts) through CDC when the state allows it, else ("full", ...)."""
    last = None
    if state.realm == realm and state.last_pull:
        try:
            last = datetime.fromisoformat(state.last_pull)
        except ValueError:
            last = None
    if last is not None and last.tzinfo is not None and timedelta(0) <= now - last <= timedelta(days=FULL_AFTER_DAYS):
        changed = State(state.realm, state.last_pull, {e: dict(state.documents.get(e, {})) for e in ENTITIES})
        since = last - CDC_OVERLAP
        counts = PullCounts(window=(since.isoformat(), now.isoformat()))
        if _apply_cdc(qb, changed, since, call, counts):
            return "changes", changed.documents, counts
    counts = PullCounts()
    return "full", _full(qb, call, counts), counts
