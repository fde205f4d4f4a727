"""Endpoints that fail the way a platform's can, for the connectors' failure tests.

- `dead_port()`: a port on 127.0.0.1 nothing listens on (bound, read, closed): connection refused.
- `BrokenHttp(status, body)`: answers every GET and POST with that status and body, where
  `{request}` in the body becomes the request line and body it received (a careless server
  echoing the request: the access token in Meta's query string, the SOAP header's tokens), so a
  test sees whether the client's error text is scrubbed.
- `JunkTcp(data)`: accepts a connection, writes bytes that are no protocol at all, and closes.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def dead_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BrokenHttp:
    def __init__(self, status: int, body: bytes, content_type: str = "text/html") -> None:
        self.status, self.body, self.content_type = status, body, content_type
        self.requests = 0

    def start(self) -> tuple[ThreadingHTTPServer, str]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                fake.requests += 1
                received = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                data = fake.body.replace(b"{request}", self.requestline.encode() + b" " + received)
                self.send_response(fake.status)
                self.send_header("Content-Type", fake.content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer  # noqa: N815 (http.server API)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}"


class JunkTcp:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.connections = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._stop = threading.Event()

    def start(self) -> int:
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        threading.Thread(target=self._serve, daemon=True).start()
        return self._sock.getsockname()[1]

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            with conn:
                try:
                    conn.settimeout(1.0)
                    conn.sendall(self.data)
                    conn.recv(65536)  # what the client says first (a TLS hello): ignored
                except OSError:
                    pass

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()
