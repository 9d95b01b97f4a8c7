"""A local stand-in for a Jitsi server's room census (prosody's `mod_muc_size`: `GET /room-size?room=…
&domain=…[&token=…]` → `{"participants": n}`, 404 for a room nobody opened), over real HTTP on
127.0.0.1. Records every request's query; `people[room]` says how many are in each room; `status`
forces an answer (500, or 0 to drop the connection)."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.fakes.local_server import LocalServer


class FakeJitsi(LocalServer):
    def __init__(self) -> None:
        self.people: dict[str, int] = {}
        self.queries: list[dict[str, str]] = []
        self.status = 200
        super().__init__()

    @property
    def room_size_url(self) -> str:
        return f"{self.base_url}/room-size"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                fake.queries.append(query)
                if fake.status == 0:
                    self.connection.close()
                    return
                room = query.get("room", "")
                if parts.path != "/room-size" or fake.status != 200 or room not in fake.people:
                    self.send_response(404 if fake.status == 200 else fake.status)
                    self.end_headers()
                    return
                body = json.dumps({"participants": fake.people[room]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler
