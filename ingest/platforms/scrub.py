"""Secrets out of every text revwh shows: error lines, terminal output, logs, the Dagster event log.

Why one scrubber: an SDK's exception text is not ours. requests puts the whole URL in a
connection error, and Meta's Graph API sends the access token as a query parameter, so a dead
endpoint printed `.../insights?access_token=...` into tracebacks, run failure messages and the
Dagster event log (which anyone with the UI can read). Formatting errors carefully per connector
cannot cover text the SDKs make up, so every message that leaves a connector goes through
`scrub` (and `one_line`), and the SDKs' loggers get `ScrubFilter`. Three nets:

- every credential value revwh handed out (`common.credential` registers each value it returns,
  also in its URL-encoded form), wherever it appears;
- URL query parameters and `name=value` pairs named like a secret (access_token, token,
  client_secret, refresh_token, developer_token, key, password, ...), whatever the value;
- `Bearer <token>` (as in an `Authorization:` header).
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_SECRET_LEN = 6  # shorter values (a customer id "123") would mask ordinary text
MAX_LINE = 200

_lock = threading.Lock()
_secrets: set[str] = set()

_PARAM = re.compile(
    r"(?i)(?<![\w-])([\w.-]*(?:access_token|client_secret|refresh_token|developer_token|token|key|password|secret))"
    r"(=)([^&\s'\"<>#;,)]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer)(\s+)[^\s'\",;)]+")


def register_secret(value: str | None) -> None:
    """Remember a credential value (and its URL-encoded forms) so that `scrub` masks it."""
    if not value or len(value) < MIN_SECRET_LEN:
        return
    with _lock:
        _secrets.update({value, quote(value, safe=""), quote_plus(value)})


def scrub(text: str) -> str:
    """`text` without secret values: registered credentials, secret-named parameters, bearer tokens."""
    if not text:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)  # longest first: no half-masked value
    for value in secrets:
        if value in text:
            text = text.replace(value, MASK)
    text = _PARAM.sub(lambda m: f"{m.group(1)}={MASK}", text)
    return _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)


def one_line(text: str, limit: int = MAX_LINE) -> str:
    """`text` scrubbed, on one line of printable characters, at most `limit` characters.

    Scrubbed before it is cut, so a cut never leaves the head of a secret behind; control
    characters and undecodable bytes (U+FFFD) of a garbage answer show as `?`s, never as bytes."""
    text = scrub(str(text))
    text = " ".join(text.split())  # newlines, tabs: one line
    text = "".join(c if c.isprintable() and c != "\ufffd" else "?" for c in text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class ScrubFilter(logging.Filter):
    """A logging filter that scrubs the formatted message (and drops exception text it cannot scrub)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose args do not format: keep the template only
            message = str(record.msg)
        record.msg, record.args = scrub(message), None
        if record.exc_info or record.exc_text:
            record.msg += f" [{one_line(repr(record.exc_info[1]) if record.exc_info else record.exc_text)}]"
            record.exc_info, record.exc_text = None, None
        return True


# Roots of the loggers of the SDKs and of the HTTP stacks under them, which can write a URL, a
# header or a whole request (suds logs SOAP envelopes, with the tokens, at DEBUG).
SDK_LOGGER_ROOTS = ("urllib3", "requests", "facebook_business", "google", "grpc", "suds", "bingads", "quickbooks",
                    "intuitlib", "requests_oauthlib", "oauthlib")


def install_log_filters() -> None:
    """Put `ScrubFilter` on every logger of the SDKs that exists now (call after importing them).

    A logger's filter sees only the records logged to that very logger, not its children's, hence
    one filter per module logger."""
    manager = logging.Logger.manager
    with _lock:
        names = [n for n in list(manager.loggerDict) if n.split(".")[0] in SDK_LOGGER_ROOTS]
    for name in [*SDK_LOGGER_ROOTS, *names]:
        logger = logging.getLogger(name)
        if not any(isinstance(f, ScrubFilter) for f in logger.filters):
            logger.addFilter(ScrubFilter())
