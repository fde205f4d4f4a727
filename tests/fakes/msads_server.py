"""A local Microsoft Advertising Reporting API stand-in: SOAP SubmitGenerateReport and
PollGenerateReport, and the zipped report download.

Accounts are configured with report CSV rows and optional behaviours: `throttle_once` (SOAP
fault code 117 CallRateExceeded on the first submission) and `fail` (the report status Error).
A report is "Pending" on its first poll and "Success" after.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NS = "https://bingads.microsoft.com/Reporting/v13"
ENVELOPE = (
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>'
    f'<h:TrackingId xmlns:h="{NS}">fake-tracking</h:TrackingId></s:Header><s:Body>{{body}}</s:Body></s:Envelope>'
)
FAULT_117 = (
    "<s:Fault><faultcode>s:Server</faultcode><faultstring>Invalid client data. Check the SOAP fault details"
    ' for more information.</faultstring><detail><AdApiFaultDetail xmlns="https://adapi.microsoft.com"'
    ' xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><TrackingId>t</TrackingId><Errors><AdApiError>'
    '<Code>117</Code><Detail i:nil="true"/><ErrorCode>CallRateExceeded</ErrorCode><Message>You have exceeded'
    " the number of calls that you can make in a minute.</Message></AdApiError></Errors></AdApiFaultDetail>"
    "</detail></s:Fault>"
)


def _iso(day: str) -> str:
    if "/" in day:
        m, d, y = day.split("/")
        return f"{y}-{int(m):02d}-{int(d):02d}"
    return day


@dataclass
class FakeMsAccount:
    rows: list[list[str]]  # TimePeriod, AccountId, CurrencyCode, CampaignId, CampaignName, Spend, Impressions, Clicks
    throttle_once: bool = False
    fail: bool = False
    submits: int = 0


@dataclass
class FakeMsReporting:
    accounts: dict[str, FakeMsAccount] = field(default_factory=dict)
    reports: dict[str, dict] = field(default_factory=dict)
    soap_calls: list[str] = field(default_factory=list)

    def report_csv(self, account: str, start: str, end: str) -> str:
        rows = [r for r in self.accounts[account].rows if start <= _iso(r[0]) <= end]
        head = [
            '"Report Name: revwh"',
            '"Report Time: 10/16/2026"',
            '"Time Zone: (GMT-05:00) Eastern Time"',
            '"Last Completed Available Day: 10/15/2026 10:00:00 PM (GMT-05:00)"',
            f'"Rows: {len(rows)}"',
            "",
        ]
        cols = ",".join(
            f'"{c}"'
            for c in [
                "TimePeriod",
                "AccountId",
                "CurrencyCode",
                "CampaignId",
                "CampaignName",
                "Spend",
                "Impressions",
                "Clicks",
            ]
        )
        body = [",".join(f'"{v}"' for v in r) for r in rows]
        return "\ufeff" + "\r\n".join([*head, cols, *body, "", '"©2026 Microsoft Corporation. All rights reserved. "'])

    def start(self) -> tuple[ThreadingHTTPServer, str]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _xml(self, status: int, body: str) -> None:
                data = ENVELOPE.format(body=body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                text = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                action = (self.headers.get("SOAPAction") or "").strip('"')
                fake.soap_calls.append(action)
                host = self.headers["Host"]
                if action == "SubmitGenerateReport":
                    account = re.search(r"<(?:\w+:)?long>(\d+)</(?:\w+:)?long>", text).group(1)
                    start = "{2}-{1:0>2}-{0:0>2}".format(
                        *[
                            re.search(rf"<(?:\w+:)?CustomDateRangeStart>.*?<(?:\w+:)?{k}>(\d+)<", text, re.S).group(1)
                            for k in ("Day", "Month", "Year")
                        ]
                    )
                    end = "{2}-{1:0>2}-{0:0>2}".format(
                        *[
                            re.search(rf"<(?:\w+:)?CustomDateRangeEnd>.*?<(?:\w+:)?{k}>(\d+)<", text, re.S).group(1)
                            for k in ("Day", "Month", "Year")
                        ]
                    )
                    acct = fake.accounts[account]
                    acct.submits += 1
                    if acct.throttle_once and acct.submits == 1:
                        self._xml(500, FAULT_117)
                        return
                    rid = f"r{len(fake.reports) + 1}"
                    fake.reports[rid] = {"account": account, "start": start, "end": end, "polls": 0}
                    self._xml(
                        200,
                        f'<SubmitGenerateReportResponse xmlns="{NS}"><ReportRequestId>{rid}</ReportRequestId>'
                        "</SubmitGenerateReportResponse>",
                    )
                elif action == "PollGenerateReport":
                    rid = re.search(r"<(?:\w+:)?ReportRequestId>(\w+)<", text).group(1)
                    report = fake.reports[rid]
                    report["polls"] += 1
                    acct = fake.accounts[report["account"]]
                    nil = '<ReportDownloadUrl i:nil="true" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/>'
                    if acct.fail:
                        status, url = "Error", nil
                    elif report["polls"] == 1:
                        status, url = "Pending", nil
                    else:
                        status, url = (
                            "Success",
                            f"<ReportDownloadUrl>http://{host}/download/{rid}.zip</ReportDownloadUrl>",
                        )
                    if status == "Success" and not [
                        r for r in acct.rows if report["start"] <= _iso(r[0]) <= report["end"]
                    ]:
                        url = nil
                    self._xml(
                        200,
                        f'<PollGenerateReportResponse xmlns="{NS}"><ReportRequestStatus>{url}'
                        f"<Status>{status}</Status></ReportRequestStatus></PollGenerateReportResponse>",
                    )
                else:
                    self._xml(
                        500, "<s:Fault><faultcode>s:Client</faultcode><faultstring>unknown</faultstring></s:Fault>"
                    )

            def do_GET(self) -> None:  # noqa: N802
                rid = self.path.rsplit("/", 1)[-1].removesuffix(".zip")
                report = fake.reports[rid]
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w") as zf:
                    zf.writestr(f"{rid}.csv", fake.report_csv(report["account"], report["start"], report["end"]))
                data = buffer.getvalue()
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}"
