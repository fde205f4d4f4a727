"""Each connector against a platform that fails: a dead endpoint, 401, 500, garbage bytes.

Every failure is one scrubbed line per account in `PullResult.errors` (the pull goes on with the
next account), no traceback or secret reaches the terminal or the logs, only real throttles are
called throttles, and a dead endpoint is given up within the retry budget (counted through the
injected sleep, never by wall time). The fakes answer with the request they received where they
can (tests/fakes/broken_servers.py), so the secret reaches the SDKs' error texts and the test
sees the scrubber at work.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import grpc
import pytest

from ingest.platforms import google_ads, meta_ads, microsoft_ads
from ingest.platforms.common import PullError, RetryBudget, throttled, transient, with_retry
from ingest.platforms.scrub import one_line, register_secret, scrub
from tests.fakes.broken_servers import BrokenHttp, JunkTcp, dead_port
from tests.fakes.google_ads_server import FakeCustomer, FakeGoogleAds, self_signed_cert

SECRET = "SECRET-TOKEN-abc123xyz"
GARBAGE = b"\x00\xffnot json<<"
START, END = date(2026, 10, 10), date(2026, 10, 12)
BUDGET_S = 5.0  # small, so the back-off (1, 2, 4 s) is cut by the budget
CASES = ["dead", "401", "500", "garbage"]


class Sleeps(list):
    """An injected sleep: records the waits, never sleeps."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _assert_reported(result, accounts: list[str], waits: Sleeps, capfd, caplog) -> None:
    assert sorted(result.errors) == sorted(accounts), result.errors
    assert result.rows == 0
    for line in result.errors.values():
        assert line.isprintable() and "\n" not in line and len(line) <= 200, line
        assert SECRET not in line and "abc123xyz" not in line, line
        assert "\\x00" not in line and "\x00" not in line
    out, err = capfd.readouterr()
    assert SECRET not in out + err, out + err
    assert "Traceback" not in out + err, err
    assert SECRET not in caplog.text
    # every wait came out of the budget: the back-off (1, 2, then what is left of the 5 s) once per
    # pull, as the next account, finding the platform still unreachable, does not wait again
    assert len(waits) <= 3 and sum(waits) <= BUDGET_S + 1e-9, waits


def _gave_up(result, what: str) -> None:
    """The first account tried 4 times (3 waits, the whole 5 s budget), so the pull does not try the
    next one (it would try once, without waiting, had the first spent less: see the CLI test)."""
    first, *others = result.errors.values()
    assert first.startswith(f"gave up after 4 attempt(s): {what}"), first
    assert others and all(r.startswith(f"not tried: {what}") for r in others), others


def _one_line_reasons(result) -> str:
    return " | ".join(result.errors.values())


# ---------------------------------------------------------------- Meta (Graph API over HTTP)


@pytest.fixture
def meta_env(monkeypatch: pytest.MonkeyPatch, caplog):
    monkeypatch.setenv("META_ACCESS_TOKEN", SECRET)
    caplog.set_level(logging.DEBUG)  # urllib3 logs request URLs (with the token) at DEBUG

    def point_at(url: str) -> None:
        monkeypatch.setenv("REVWH_META_GRAPH_URL", url)

    return point_at


@pytest.mark.parametrize("case", [*CASES, "not_http"])
def test_meta_failures_are_one_scrubbed_line_per_account(case, meta_env, tmp_path: Path, capfd, caplog) -> None:
    servers = {
        # a Graph error object for an invalid token, its message echoing the request (with the token)
        "401": BrokenHttp(
            401, b'{"error": {"message": "Invalid OAuth access token: {request}", "type": "OAuthException",'
            b' "code": 190}}', "application/json"),
        "500": BrokenHttp(500, b"<html><body>Internal Server Error {request}</body></html>"),
        "garbage": BrokenHttp(200, GARBAGE + b" {request}", "application/json"),
    }
    server = junk = None
    if case == "dead":
        meta_env(f"http://127.0.0.1:{dead_port()}")
    elif case == "not_http":  # bytes that are not even an HTTP answer
        junk = JunkTcp(GARBAGE)
        meta_env(f"http://127.0.0.1:{junk.start()}")
    else:
        server, url = servers[case].start()
        meta_env(url)
    waits = Sleeps()
    try:
        result = meta_ads.pull(["111", "222"], START, END, tmp_path, sleep=waits, budget_s=BUDGET_S)
    finally:
        if server:
            server.shutdown()
        if junk:
            junk.stop()
    _assert_reported(result, ["111", "222"], waits, capfd, caplog)
    reasons = _one_line_reasons(result)
    assert "throttled" not in reasons
    if case in ("dead", "not_http"):
        _gave_up(result, "cannot reach Meta (")
        assert len(waits) == 3 and waits[:2] == [1.0, 2.0]  # the third is cut to what the budget has left
    else:
        assert not waits  # a 401, a 500 or garbage is not retried
    if case == "dead":
        assert "connection refused" in reasons
    if case == "401":
        assert all(r.startswith("Meta error 190: Invalid OAuth access token") for r in result.errors.values())
    if case == "500":
        assert all(r == "Meta error: HTTP 500, an answer that is not JSON (text/html)" for r in result.errors.values())
    if case == "garbage":
        assert all(r.startswith("Meta error: HTTP 200, an answer that is not JSON") for r in result.errors.values())
    # the failed accounts are not covered (their earlier rows stay), and the pull file is written
    assert result.file is not None and result.file.exists()


def test_meta_throttle_longer_than_the_budget_gives_up_at_once(tmp_path: Path, monkeypatch, capfd) -> None:
    body = b'{"error": {"message": "User request limit reached", "type": "OAuthException", "code": 17}}'
    server, url = BrokenHttp(400, body, "application/json").start()
    monkeypatch.setenv("META_ACCESS_TOKEN", SECRET)
    monkeypatch.setenv("REVWH_META_GRAPH_URL", url)
    waits, notes = Sleeps(), []
    try:
        result = meta_ads.pull(["111"], START, END, tmp_path, sleep=waits, budget_s=30.0, note=notes.append)
    finally:
        server.shutdown()
    # code 17 with no usage header: Meta's default wait is 60 s, more than the 30 s budget
    assert waits == [] and notes == []
    assert result.errors["111"].startswith(
        "gave up after 1 attempt(s): throttled by the platform (code 17)")


# ---------------------------------------------------------- Microsoft Advertising (SOAP)


@pytest.fixture
def msads_env(monkeypatch: pytest.MonkeyPatch, caplog):
    monkeypatch.setenv("MSADS_DEVELOPER_TOKEN", SECRET + "-dev")
    monkeypatch.setenv("MSADS_ACCESS_TOKEN", SECRET)
    monkeypatch.setenv("MSADS_CUSTOMER_ID", "123")
    caplog.set_level(logging.DEBUG)  # suds logs whole SOAP envelopes (with the tokens) at DEBUG

    def point_at(base: str) -> None:
        monkeypatch.setenv("REVWH_MSADS_REPORTING_URL", base + "/Api/Advertiser/Reporting/v13/ReportingService.svc")

    return point_at


@pytest.mark.parametrize("case", [*CASES, "not_http"])
def test_microsoft_failures_are_one_scrubbed_line_per_account(case, msads_env, tmp_path: Path, capfd, caplog) -> None:
    servers = {
        "401": BrokenHttp(401, b"Unauthorized {request}"),
        # a 500 whose body is no SOAP fault (a proxy's error page), echoing the envelope it got
        "500": BrokenHttp(500, b"<html><body>Service Unavailable {request}</body></html>"),
        "garbage": BrokenHttp(500, GARBAGE + b" {request}", "text/xml"),
    }
    server = junk = None
    if case == "dead":
        msads_env(f"http://127.0.0.1:{dead_port()}")
    elif case == "not_http":
        junk = JunkTcp(GARBAGE)
        msads_env(f"http://127.0.0.1:{junk.start()}")
    else:
        server, url = servers[case].start()
        msads_env(url)
    waits = Sleeps()
    accounts = ["150000013", "150000026"]
    try:
        result = microsoft_ads.pull(accounts, START, END, tmp_path, sleep=waits, poll_ms=20, budget_s=BUDGET_S)
    finally:
        if server:
            server.shutdown()
        if junk:
            junk.stop()
    _assert_reported(result, accounts, waits, capfd, caplog)
    reasons = _one_line_reasons(result)
    assert "throttled" not in reasons and "not json<<" not in reasons
    if case in ("dead", "not_http"):
        _gave_up(result, "cannot reach Microsoft Advertising (")
        assert len(waits) == 3 and waits[:2] == [1.0, 2.0]
    else:
        assert not waits
        assert all(r.startswith("Microsoft Advertising error: ") for r in result.errors.values()), reasons
    if case == "dead":
        assert "connection refused" in reasons
    if case == "401":
        assert all(r.endswith("HTTP 401 Unauthorized, not a SOAP answer") for r in result.errors.values()), reasons
    if case in ("500", "garbage"):
        assert all("the answer is not SOAP XML" in r for r in result.errors.values()), reasons


# ---------------------------------------------------------------------- Google Ads (gRPC)


@pytest.fixture
def google_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog):
    """The SDK's channel trusts the fake's self-signed certificate (passed to the channel here, as
    GRPC_DEFAULT_SSL_ROOTS_FILE_PATH is read once per process); the access token still goes as
    call credentials."""
    from google.api_core import grpc_helpers

    key, cert, _path = self_signed_cert(tmp_path)
    real = grpc_helpers.create_channel

    def create_channel(target: str, **kwargs: object) -> grpc.Channel:
        return real(target, ssl_credentials=grpc.ssl_channel_credentials(cert), **kwargs)

    monkeypatch.setattr(grpc_helpers, "create_channel", create_channel)
    monkeypatch.setenv("GOOGLE_ADS_DEVELOPER_TOKEN", SECRET + "-dev")
    monkeypatch.setenv("GOOGLE_ADS_ACCESS_TOKEN", SECRET)
    monkeypatch.delenv("GOOGLE_ADS_LOGIN_CUSTOMER_ID", raising=False)
    caplog.set_level(logging.DEBUG)

    def point_at(endpoint: str) -> None:
        monkeypatch.setenv("REVWH_GOOGLE_ADS_ENDPOINT", endpoint)

    return key, cert, point_at


@pytest.mark.parametrize("case", CASES)
def test_google_failures_are_one_scrubbed_line_per_account(case, google_env, tmp_path: Path, capfd, caplog) -> None:
    key, cert, point_at = google_env
    accounts = ["1112223333", "4445556666"]
    server = junk = fake = None
    if case == "dead":  # connection refused: gRPC UNAVAILABLE
        point_at(f"localhost:{dead_port()}")
    elif case == "garbage":  # a TCP server writing junk: the TLS handshake fails, gRPC UNAVAILABLE
        junk = JunkTcp(GARBAGE)
        point_at(f"localhost:{junk.start()}")
    else:
        # 401 is gRPC UNAUTHENTICATED, 500 is gRPC INTERNAL; the details echo the developer token
        status = grpc.StatusCode.UNAUTHENTICATED if case == "401" else grpc.StatusCode.INTERNAL
        fake = FakeGoogleAds(customers={a: FakeCustomer("USD", [], status=status) for a in accounts})
        server, endpoint = fake.start(key, cert)
        point_at(endpoint)
    waits = Sleeps()
    try:
        result = google_ads.pull(accounts, START, END, tmp_path, sleep=waits, budget_s=BUDGET_S)
    finally:
        if server:
            server.stop(None)
        if junk:
            junk.stop()
    _assert_reported(result, accounts, waits, capfd, caplog)
    reasons = _one_line_reasons(result)
    assert "throttled" not in reasons
    if case in ("dead", "garbage"):
        _gave_up(result, "cannot reach Google Ads (UNAVAILABLE")
        assert len(waits) == 3 and waits[:2] == [1.0, 2.0]
    if case == "401":
        assert not waits and all(r.startswith("Google Ads error UNAUTHENTICATED") for r in result.errors.values())
        assert all("developer-token=***" in r for r in result.errors.values())  # echoed, then scrubbed
    if case == "500":  # a server error: retried 1, 2 s then cut by the 5 s budget, then reported
        _gave_up(result, "Google Ads server error INTERNAL")
        assert len(waits) == 3 and [c.calls for c in fake.customers.values()] == [4, 0]


# ------------------------------------------------------------------------- the pieces


def test_scrub_masks_token_parameters_bearer_and_registered_values() -> None:
    url = "https://graph.facebook.com/v26.0/act_1/insights?access_token=SECRET-TOKEN-abc123xyz&fields=spend"
    assert scrub(url) == "https://graph.facebook.com/v26.0/act_1/insights?access_token=***&fields=spend"
    assert scrub("Authorization: Bearer ya29.a0-xyz_123") == "Authorization: Bearer ***"
    assert scrub("sent bearer abc.def") == "sent bearer ***"
    assert scrub("?Client_Secret=s1&refresh_token=r2&developer_token=d3&key=k4&password=p5&page=2") == (
        "?Client_Secret=***&refresh_token=***&developer_token=***&key=***&password=***&page=2")
    register_secret("registered/value+9876")
    register_secret("short")  # under 6 characters: not registered (it would mask ordinary words)
    text = "value registered/value+9876, encoded registered%2Fvalue%2B9876 short"
    assert scrub(text) == "value ***, encoded *** short"
    assert scrub("nothing secret here: fields=spend&limit=500") == "nothing secret here: fields=spend&limit=500"


def test_one_line_is_printable_scrubbed_and_short() -> None:
    line = one_line("first\nsecond \x00\x1b[0m\ufffd bytes " + "x" * 300)
    assert line.startswith("first second ??[0m? bytes x") and len(line) == 200 and line.isprintable()
    cut = one_line("a" * 195 + "&token=" + SECRET)  # scrubbed before it is cut: no head of the secret
    assert cut.endswith("…") and "SECRET" not in cut


def test_retry_gives_up_at_once_when_a_throttle_asks_more_than_the_budget() -> None:
    waits = Sleeps()

    def call() -> None:
        raise RuntimeError("throttled")

    with pytest.raises(PullError, match=r"^gave up after 1 attempt\(s\): throttled by the platform"
                                         r" \(code 4\), which asks for 600s, more than the 300s left"):
        with_retry(call, classify=lambda e: throttled("code 4", 600.0), budget=RetryBudget(300.0, sleep=waits),
                   what="account 1")
    assert waits == []


def test_retry_of_an_unreachable_platform_is_short_and_bounded() -> None:
    waits, notes, calls = Sleeps(), [], []

    def call() -> None:
        calls.append(1)
        raise ConnectionRefusedError("refused")

    with pytest.raises(PullError, match=r"^gave up after 4 attempt\(s\): cannot reach X \(connection refused\)"):
        with_retry(call, classify=lambda e: transient("cannot reach X (connection refused)"),
                   budget=RetryBudget(300.0, sleep=waits, note=notes.append), what="account 1")
    assert waits == [1.0, 2.0, 4.0] and len(calls) == 4
    assert all("throttled" not in n and "trying again" in n for n in notes)


def test_cli_pull_against_a_dead_graph_api_prints_one_line_per_account(monkeypatch, tmp_path: Path, capfd) -> None:
    from orchestration.commands import pull as pull_command
    from orchestration.commands.cli import main

    monkeypatch.setenv("META_ACCESS_TOKEN", SECRET)
    monkeypatch.setenv("REVWH_META_GRAPH_URL", f"http://127.0.0.1:{dead_port()}")
    waits = Sleeps()
    monkeypatch.setattr(pull_command, "_sleep", waits)
    code = main(["pull", "--platform", "meta_ads", "--landing", str(tmp_path), "--start", "2026-10-10",
                 "--end", "2026-10-12", "--account", "act_111", "--account", "222"])
    out, err = capfd.readouterr()
    assert code == 1
    assert SECRET not in out + err and "Traceback" not in err and "throttled" not in err
    failed = [line for line in err.splitlines() if "failed:" in line]
    assert failed == [
        "  account 111 failed: gave up after 4 attempt(s): cannot reach Meta (connection refused)",
        "  account 222 failed: gave up after 1 attempt(s): cannot reach Meta (connection refused)",
    ], err
    assert waits == [1.0, 2.0, 4.0]  # the second account tries once without waiting: the circuit is open
    notes = [line for line in err.splitlines() if line.startswith("  … ")]
    note = "  … account 111: cannot reach Meta (connection refused); trying again in {}s"
    assert notes == [note.format(n) for n in (1, 2, 4)]


def test_the_circuit_spares_later_accounts_the_back_off_and_a_success_closes_it() -> None:
    from ingest.platforms.common import Circuit

    waits, circuit = Sleeps(), Circuit()

    def dead() -> None:
        raise ConnectionRefusedError("refused")

    def unreachable(exc: Exception) -> object:
        return transient("cannot reach X (connection refused)")

    for _account in ("1", "2"):
        with pytest.raises(PullError):
            with_retry(dead, classify=unreachable, budget=RetryBudget(300.0, sleep=waits, circuit=circuit))
    assert waits == [1.0, 2.0, 4.0] and circuit.open  # the second account tried once, without waiting
    assert with_retry(lambda: "rows", classify=unreachable, budget=RetryBudget(sleep=waits, circuit=circuit)) == "rows"
    assert not circuit.open and circuit.spent == 0
    # a pull that spent a whole budget on an unreachable platform tries no more accounts
    for _account in ("3", "4"):
        with pytest.raises(PullError) as caught:
            with_retry(dead, classify=unreachable, budget=RetryBudget(5.0, sleep=waits, circuit=circuit))
    assert str(caught.value).startswith("not tried: cannot reach X (connection refused), for 5s of this pull")
