"""A local stand-in for QuickBooks Online's v3 JSON API, enough for the connector's read path.

- `POST /v3/company/<realm>/query` with `SELECT * FROM <Entity> STARTPOSITION n MAXRESULTS m`
  (content type application/text), paged;
- `GET /v3/company/<realm>/cdc?entities=...&changedSince=...`: every change recorded through
  `delete`/`update` (deleted objects as `{"Id", "status": "Deleted"}`);
- `throttle_once`: the first request answers HTTP 429 (Retry-After 2, fault code 003001);
- a wrong bearer token answers 401 with a Fault whose detail echoes the header (as a careless
  proxy would), `fault`: every query of that entity answers a validation Fault;
- `... WHERE <Field> = '<value>'` in a query (`revwh post --credits` asks CreditMemo by DocNumber and
  Item by Name);
- `POST /v3/company/<realm>/creditmemo?requestid=...`: creates a credit memo (its RemainingCredit
  the total, taken off its customer's Balance, as QuickBooks does) and answers it; the same
  requestid again answers the first memo and never creates a second (Intuit's idempotency).
It records every request (method, path, query parameters, body); `created` lists what was created.

`book()` is a small consistent company: two customers with a client_id (C1 in USD; C2 in CAD,
13% tax) and one without, four items, a multi-invoice payment, partial payments, unapplied cash,
an underspend credit memo partly applied, a voided invoice, a discount line, and invoice 1004,
which a test deletes.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

REALM = "9130350000"


def _ref(value: str, name: str) -> dict:
    return {"value": value, "name": name}


def _item_line(pos: int, amount: str, item: tuple[str, str], day: str) -> dict:
    return {"Id": str(pos + 1), "LineNum": pos + 1, "Amount": amount, "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": _ref(*item), "ServiceDate": day, "Qty": 1, "UnitPrice": amount}}


def _subtotal(amount: str) -> dict:
    return {"Amount": amount, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}


MEDIA, FEE, SEO, UNDERSPEND = ("10", "Search media"), ("11", "Search management fee"), ("12", "SEO monthly"), (
    "13", "Underspend credit")
USD, CAD = _ref("USD", "United States Dollar"), _ref("CAD", "Canadian Dollar")


def book() -> dict[str, list[dict]]:
    customers = [
        {"Id": "1", "DisplayName": "Alpha Toyota", "AcctNum": "C1", "Balance": "1250.00", "CurrencyRef": USD},
        {"Id": "2", "DisplayName": "Maple Honda", "AcctNum": "C2", "Balance": "502.00", "CurrencyRef": CAD},
        {"Id": "3", "DisplayName": "Walk-in Ford", "Balance": "100.00", "CurrencyRef": USD},  # no AcctNum
    ]
    items = [{"Id": i, "Name": n, "Type": "Service"} for i, n in (MEDIA, FEE, SEO, UNDERSPEND)]
    invoices = [
        {"Id": "101", "DocNumber": "1001", "TxnDate": "2026-09-01", "DueDate": "2026-10-01",
         "CustomerRef": _ref("1", "Alpha Toyota"), "CurrencyRef": USD, "TotalAmt": "2300.00", "Balance": "0",
         "Line": [_item_line(0, "2000.00", MEDIA, "2026-09-01"), _item_line(1, "300.00", FEE, "2026-09-01"),
                  _subtotal("2300.00")]},
        {"Id": "102", "DocNumber": "1002", "TxnDate": "2026-10-01", "DueDate": "2026-10-31",
         "CustomerRef": _ref("1", "Alpha Toyota"), "CurrencyRef": USD, "TotalAmt": "2800.00", "Balance": "1000.00",
         "Line": [_item_line(0, "2500.00", MEDIA, "2026-10-01"), _item_line(1, "375.00", FEE, "2026-10-01"),
                  {"Amount": "75.00", "DetailType": "DiscountLineDetail",
                   "DiscountLineDetail": {"PercentBased": False}},
                  _subtotal("2800.00")]},
        {"Id": "103", "DocNumber": "1003", "TxnDate": "2026-10-05", "DueDate": "2026-11-04",
         "CustomerRef": _ref("1", "Alpha Toyota"), "CurrencyRef": USD, "TotalAmt": "0", "Balance": "0",
         "PrivateNote": "Voided", "Line": [_item_line(0, "0", MEDIA, "2026-10-05"), _subtotal("0")]},
        {"Id": "104", "DocNumber": "1004", "TxnDate": "2026-10-06", "DueDate": "2026-11-05",
         "CustomerRef": _ref("1", "Alpha Toyota"), "CurrencyRef": USD, "TotalAmt": "500.00", "Balance": "500.00",
         "Line": [_item_line(0, "500.00", MEDIA, "2026-10-06")]},
        {"Id": "201", "DocNumber": "2001", "TxnDate": "2026-10-01", "DueDate": "2026-10-31",
         "CustomerRef": _ref("2", "Maple Honda"), "CurrencyRef": CAD, "ExchangeRate": "0.72",
         "TotalAmt": "1582.00", "Balance": "582.00", "TxnTaxDetail": {"TotalTax": "182.00"},
         "Line": [_item_line(0, "1000.00", SEO, "2026-10-01"), _item_line(1, "400.00", MEDIA, "2026-08-15"),
                  {"Description": "Thank you for your business", "DetailType": "DescriptionOnly",
                   "DescriptionLineDetail": {}},
                  _subtotal("1400.00")]},
        {"Id": "501", "DocNumber": "5001", "TxnDate": "2026-10-02", "DueDate": "2026-11-01",
         "CustomerRef": _ref("3", "Walk-in Ford"), "CurrencyRef": USD, "TotalAmt": "100.00", "Balance": "100.00",
         "Line": [_item_line(0, "100.00", SEO, "2026-10-02")]},
    ]
    payments = [
        {"Id": "401", "TxnDate": "2026-10-12", "CustomerRef": _ref("1", "Alpha Toyota"), "CurrencyRef": USD,
         "TotalAmt": "4100.00", "UnappliedAmt": "0", "PaymentRefNum": "5521",
         "PaymentMethodRef": _ref("2", "Check"),
         "Line": [{"Amount": "2300.00", "LinkedTxn": [{"TxnId": "101", "TxnType": "Invoice"}]},
                  {"Amount": "1800.00", "LinkedTxn": [{"TxnId": "102", "TxnType": "Invoice"}]}]},
        {"Id": "402", "TxnDate": "2026-10-15", "CustomerRef": _ref("1", "Alpha Toyota"), "CurrencyRef": USD,
         "TotalAmt": "250.00", "UnappliedAmt": "250.00", "PaymentRefNum": "WIRE-88",
         "PaymentMethodRef": _ref("5", "Wire transfer"), "Line": []},
        {"Id": "403", "TxnDate": "2026-10-20", "CustomerRef": _ref("2", "Maple Honda"), "CurrencyRef": CAD,
         "TotalAmt": "880.00", "UnappliedAmt": "0", "PaymentRefNum": "EFT-3",
         "PaymentMethodRef": _ref("4", "EFT"),
         "Line": [{"Amount": "1000.00", "LinkedTxn": [{"TxnId": "201", "TxnType": "Invoice"}]},
                  {"Amount": "120.00", "LinkedTxn": [{"TxnId": "301", "TxnType": "CreditMemo"}]}]},
    ]
    memos = [
        {"Id": "301", "DocNumber": "CM-2001", "TxnDate": "2026-10-10", "CustomerRef": _ref("2", "Maple Honda"),
         "CurrencyRef": CAD, "TotalAmt": "200.00", "Balance": "80.00", "RemainingCredit": "80.00",
         "PrivateNote": "September search underspend",
         "Line": [_item_line(0, "200.00", UNDERSPEND, "2026-09-01"), _subtotal("200.00")]},
    ]
    return {"Customer": customers, "Item": items, "Invoice": invoices, "Payment": payments, "CreditMemo": memos}


NUMBERS = {"Amount", "TotalAmt", "Balance", "UnappliedAmt", "RemainingCredit", "TotalTax", "UnitPrice", "ExchangeRate"}


def as_json_numbers(value: object) -> object:
    """The book as QuickBooks sends it: amounts are JSON numbers (written as text above for exactness)."""
    if isinstance(value, dict):
        return {k: float(v) if k in NUMBERS and isinstance(v, str) else as_json_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json_numbers(v) for v in value]
    return value


@dataclass
class FakeQuickBooks:
    token: str
    realm: str = REALM
    entities: dict[str, list[dict]] = field(default_factory=book)
    throttle_once: bool = False
    fault: str | None = None  # an entity whose queries answer a validation Fault
    requests: list[dict] = field(default_factory=list)
    changes: dict[str, list[dict]] = field(default_factory=dict)  # what /cdc answers
    created: list[dict] = field(default_factory=list)  # credit memos created through POST
    by_request: dict[str, dict] = field(default_factory=dict)  # requestid -> the object it created

    def create_credit_memo(self, body: dict, request_id: str | None) -> dict:
        if request_id and request_id in self.by_request:
            return self.by_request[request_id]
        total = sum(Decimal(str(line.get("Amount") or 0)) for line in body.get("Line") or [])
        customer_id = str((body.get("CustomerRef") or {}).get("value"))
        customer = next((c for c in self.entities["Customer"] if c["Id"] == customer_id), {})
        memo = {**body, "Id": str(9001 + len(self.created)), "TotalAmt": str(total), "Balance": str(total),
                "RemainingCredit": str(total), "CurrencyRef": body.get("CurrencyRef") or customer.get("CurrencyRef"),
                "SyncToken": "0"}
        self.created.append(memo)
        self.entities["CreditMemo"] = self.entities["CreditMemo"] + [memo]
        self.changes.setdefault("CreditMemo", []).append(memo)
        if customer:
            self.update("Customer", {**customer, "Balance": str(Decimal(str(customer["Balance"])) - total)})
        if request_id:
            self.by_request[request_id] = memo
        return memo

    def delete(self, entity: str, qid: str) -> None:
        self.entities[entity] = [o for o in self.entities[entity] if o["Id"] != qid]
        self.changes.setdefault(entity, []).append({"Id": qid, "status": "Deleted", "domain": "QBO"})

    def update(self, entity: str, obj: dict) -> None:
        self.entities[entity] = [o for o in self.entities[entity] if o["Id"] != obj["Id"]] + [obj]
        self.changes.setdefault(entity, []).append(obj)

    def start(self) -> tuple[ThreadingHTTPServer, str]:
        fake = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(as_json_numbers(body)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _fault(self, status: int, code: str, message: str, detail: str, headers: dict | None = None) -> None:
                self._send(status, {"Fault": {"Error": [{"Message": message, "Detail": detail, "code": code}],
                                              "type": "ValidationFault"}, "time": "2026-10-31T02:00:00.000-07:00"},
                           headers)

            def _admit(self, method: str) -> tuple[list[str], dict] | None:
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.requests.append({"method": method, "path": url.path, "params": params, "body": body})
                auth = self.headers.get("Authorization", "")
                if auth != f"Bearer {fake.token}":
                    self._fault(401, "3200", "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                                f"Token rejected: {auth}")
                    return None
                if fake.throttle_once:
                    fake.throttle_once = False
                    self._fault(429, "003001", "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                                "The request limit was reached.", {"Retry-After": "2"})
                    return None
                parts = url.path.strip("/").split("/")
                if parts[:3] != ["v3", "company", fake.realm] or len(parts) != 4:
                    self._fault(400, "610", "Object Not Found", f"unknown path {url.path}")
                    return None
                return parts, params | {"_body": body}

            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                admitted = self._admit("POST")
                if admitted is None:
                    return
                parts, params = admitted
                if parts[3] == "creditmemo":
                    with lock:
                        memo = fake.create_credit_memo(json.loads(params["_body"]), params.get("requestid"))
                    self._send(200, {"CreditMemo": memo, "time": "2026-10-31T02:00:00.000-07:00"})
                    return
                if parts[3] != "query":
                    self._fault(400, "610", "Object Not Found", "only queries and credit memos here")
                    return
                m = re.fullmatch(r"SELECT \* FROM (\w+)(?: WHERE (\w+) = '((?:[^'\\]|\\.)*)')?"
                                 r"(?: STARTPOSITION (\d+))?(?: MAXRESULTS (\d+))?",
                                 params["_body"].strip(), re.IGNORECASE)
                if not m or m.group(1) not in fake.entities:
                    self._fault(400, "4000", "Error parsing query", f"QueryParserError: {params['_body'][:60]}")
                    return
                entity = m.group(1)
                if entity == fake.fault:
                    self._fault(400, "2500", "Invalid Reference Id", f"{entity}: Something you're trying to use"
                                " has been made inactive")
                    return
                start, size = int(m.group(4) or 1), min(int(m.group(5) or 100), 1000)
                found = fake.entities[entity]
                if m.group(2):
                    wanted = re.sub(r"\\(.)", r"\1", m.group(3))
                    found = [o for o in found if str(o.get(m.group(2), "")) == wanted]
                rows = found[start - 1 : start - 1 + size]
                answer: dict = {"startPosition": start, "maxResults": len(rows)}
                if rows:
                    answer[entity] = rows
                self._send(200, {"QueryResponse": answer if rows else {}, "time": "2026-10-31T02:00:00.000-07:00"})

            def do_GET(self) -> None:  # noqa: N802
                admitted = self._admit("GET")
                if admitted is None:
                    return
                parts, params = admitted
                if parts[3] != "cdc" or "changedSince" not in params:
                    self._fault(400, "2020", "Required param missing", "changedSince")
                    return
                wanted = params.get("entities", "").split(",")
                changed = {e: fake.changes.get(e, []) for e in wanted if e in fake.entities}
                responses = [{e: objs, "startPosition": 1, "maxResults": len(objs)} for e, objs in changed.items()]
                self._send(200, {"CDCResponse": [{"QueryResponse": responses}],
                                 "time": "2026-10-31T02:00:00.000-07:00"})

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}"
