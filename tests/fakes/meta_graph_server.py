"""A local stand-in for Meta's Graph API (HTTP/JSON), enough for the insights flows.

Accounts are configured with daily rows, a page size, and optional behaviours: `throttle_once`
(error 17 with a usage header on the first call), `error` (a permanent error code).
Async report runs answer "Job Running" once, then "Job Completed".
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class FakeAccount:
    rows: list[dict]
    currency: str = "USD"
    throttle_once: bool = False
    error: int | None = None
    calls: int = 0


@dataclass
class FakeGraph:
    accounts: dict[str, FakeAccount] = field(default_factory=dict)
    page_size: int = 2
    requests: list[str] = field(default_factory=list)
    runs: dict[str, dict] = field(default_factory=dict)
    tokens_seen: set = field(default_factory=set)

    def start(self) -> tuple[ThreadingHTTPServer, str]:
        graph = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _params(self) -> dict:
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    params.update({k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()})
                graph.tokens_seen.add(params.get("access_token"))
                return params

            def _page(self, account: str, params: dict, base: str) -> None:
                acct = graph.accounts[account]
                rng = json.loads(params.get("time_range", "{}"))
                rows = [r for r in acct.rows if rng.get("since", "") <= r["date_start"] <= rng.get("until", "9")]
                offset = int(params.get("after") or 0)
                page = rows[offset : offset + graph.page_size]
                body: dict = {"data": [{**r, "account_id": account, "account_currency": acct.currency} for r in page]}
                if offset + graph.page_size < len(rows):
                    nxt = str(offset + graph.page_size)
                    body["paging"] = {"cursors": {"after": nxt}, "next": f"{base}?after={nxt}"}
                self._send(200, body)

            def _account_call(self, account: str) -> bool:
                acct = graph.accounts.get(account)
                if acct is None:
                    self._send(
                        400,
                        {"error": {"message": "Unsupported get request", "type": "GraphMethodException", "code": 100}},
                    )
                    return False
                acct.calls += 1
                if acct.error:
                    self._send(
                        400, {"error": {"message": "Permissions error", "type": "OAuthException", "code": acct.error}}
                    )
                    return False
                if acct.throttle_once and acct.calls == 1:
                    usage = {
                        account: [
                            {
                                "type": "ads_insights",
                                "call_count": 100,
                                "total_cputime": 90,
                                "total_time": 90,
                                "estimated_time_to_regain_access": 2,
                            }
                        ]
                    }
                    self._send(
                        400,
                        {"error": {"message": "User request limit reached", "type": "OAuthException", "code": 17}},
                        {"x-business-use-case-usage": json.dumps(usage)},
                    )
                    return False
                return True

            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                graph.requests.append("GET " + urlparse(self.path).path)
                params = self._params()
                parts = urlparse(self.path).path.strip("/").split("/")
                if len(parts) == 3 and parts[1].startswith("act_") and parts[2] == "insights":
                    account = parts[1][4:]
                    if self._account_call(account):
                        self._page(account, params, f"http://{self.headers['Host']}{urlparse(self.path).path}")
                elif len(parts) == 2 and parts[1] in graph.runs:
                    run = graph.runs[parts[1]]
                    run["polls"] += 1
                    done = run["polls"] > 1
                    self._send(
                        200,
                        {
                            "id": parts[1],
                            "async_status": "Job Completed" if done else "Job Running",
                            "async_percent_completion": 100 if done else 50,
                        },
                    )
                elif len(parts) == 3 and parts[1] in graph.runs and parts[2] == "insights":
                    run = graph.runs[parts[1]]
                    self._page(
                        run["account"],
                        {**run["params"], **params},
                        f"http://{self.headers['Host']}{urlparse(self.path).path}",
                    )
                else:
                    self._send(404, {"error": {"message": "unknown path", "code": 803}})

            def do_POST(self) -> None:  # noqa: N802
                graph.requests.append("POST " + urlparse(self.path).path)
                params = self._params()
                parts = urlparse(self.path).path.strip("/").split("/")
                account = parts[1][4:]
                if self._account_call(account):
                    run_id = f"{900000 + len(graph.runs)}"
                    graph.runs[run_id] = {"account": account, "params": params, "polls": 0}
                    self._send(200, {"report_run_id": run_id})

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}"
