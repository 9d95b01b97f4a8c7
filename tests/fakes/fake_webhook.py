"""A local stand-in for Teams Workflows webhooks, served over real HTTP on 127.0.0.1.

Records every POST (path, headers, raw body, parsed JSON, monotonic arrival time) and answers 202 like
Workflows does. It can be told to fail the next N requests (`fail_next`, optionally with
``Retry-After``), to answer every request with an error (`fail_always`), or to be down (`go_down`: the
connection is closed without an answer, as a dead upstream would). Each path is its own webhook, so
`url("/a")` and `url("/b")` are two channels on one server. Used by the adapter tests and by the
dev-host end-to-end tests.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any
    at: float
    status: int  # what the fake answered (0: connection dropped)


class FakeWebhook:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._fail_next: list[tuple[int, dict[str, str]]] = []
        self._fail_always: tuple[int, dict[str, str]] | None = None
        self._down = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-webhook", daemon=True
        )

    # -------------------------------------------------------------------------------- control

    def url(self, path: str = "/workflows/hook") -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{path}?api-version=1&sig=secret-signature"

    def start(self) -> FakeWebhook:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeWebhook:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def fail_next(self, count: int, status: int = 503, **headers: str) -> None:
        with self._lock:
            self._fail_next.extend([(status, dict(headers))] * count)

    def fail_always(self, status: int = 503, **headers: str) -> None:
        with self._lock:
            self._fail_always = (status, dict(headers))

    def go_down(self) -> None:
        with self._lock:
            self._down = True

    def heal(self) -> None:
        with self._lock:
            self._fail_next.clear()
            self._fail_always = None
            self._down = False

    def delivered(self, path: str | None = None) -> list[Received]:
        """Requests answered with success (optionally for one webhook path)."""
        with self._lock:
            return [r for r in self.received if 200 <= r.status < 300 and (path is None or r.path == path)]

    def cards(self, path: str | None = None) -> list[dict[str, Any]]:
        """The Adaptive Cards delivered, in order."""
        return [a["content"] for r in self.delivered(path) for a in r.body.get("attachments", [])]

    def wait_for(self, predicate: Callable[[list[Received]], bool], timeout: float = 5.0) -> bool:
        """Wait (bounded) until `predicate(received)` holds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(list(self.received)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    # ------------------------------------------------------------------------------- behaviour

    def _answer(self) -> tuple[int, dict[str, str]]:
        with self._lock:
            if self._down:
                return 0, {}
            if self._fail_next:
                return self._fail_next.pop(0)
            if self._fail_always is not None:
                return self._fail_always
            return 202, {}

    def _record(self, received: Received) -> None:
        with self._changed:
            self.received.append(received)
            self._changed.notify_all()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 64 * 1024  # one write per response (flushed per request): no Nagle/delayed-ACK stall

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                at = time.monotonic()
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw.decode("utf-8")) if raw else None
                except ValueError:
                    body = None
                status, headers = fake._answer()
                fake._record(
                    Received(
                        path=self.path.split("?")[0],
                        headers={k.lower(): v for k, v in self.headers.items()},
                        raw=raw,
                        body=body,
                        at=at,
                        status=status,
                    )
                )
                if status == 0:
                    self.close_connection = True
                    self.connection.close()
                    return
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler
