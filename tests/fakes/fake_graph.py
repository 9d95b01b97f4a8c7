"""A small fake of the Microsoft Graph online-meetings API, served over real HTTP on 127.0.0.1.

It records every request (method, path, headers, JSON body, monotonic time) and implements:

- ``POST /v1.0/users/{organizer}/onlineMeetings/createOrGet``: 201 with a new meeting, or 200 with the
  meeting already created for the same organizer and ``externalId``;
- ``PATCH /v1.0/users/{organizer}/onlineMeetings/{id}``: merges the body into the meeting, 200;
- a missing ``Authorization: Bearer`` header: 401.

Answers can be scripted: `script` queues responses for the next matching requests (e.g. a 429 with
``Retry-After`` before success, or a slow answer), `fail_always` answers every matching request with
an error.
Used by the adapter tests and by the dev-host end-to-end tests.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_CREATE_OR_GET = re.compile(r"^/v1\.0/users/([^/]+)/onlineMeetings/createOrGet$")
_MEETING = re.compile(r"^/v1\.0/users/([^/]+)/onlineMeetings/([^/]+)$")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float


@dataclass
class ScriptedResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0  # seconds to wait before answering (to provoke client timeouts)


def odata_error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "innerError": {"request-id": "fake"}}}


class FakeGraph:
    """Start with `with FakeGraph() as graph:`; point the adapter at `graph.base_url`."""

    def __init__(self, default_lobby: dict[str, Any] | None = None) -> None:
        # What the tenant's meeting policy gives a new meeting; permissive by default so that a test
        # can see the adapter tighten it.
        self.default_lobby = default_lobby or {"scope": "everyone", "isDialInBypassEnabled": True}
        self.requests: list[RecordedRequest] = []
        self.meetings: dict[str, dict[str, Any]] = {}  # by meeting id
        self._by_external_id: dict[tuple[str, str], str] = {}
        self._scripts: deque[tuple[str, str, ScriptedResponse]] = deque()
        self._always: tuple[str, str, ScriptedResponse] | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-graph", daemon=True
        )

    # -------------------------------------------------------------------------------- control

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1.0"

    def start(self) -> FakeGraph:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeGraph:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def script(self, method: str, path_suffix: str, *responses: ScriptedResponse) -> None:
        """Answer the next requests whose method matches and whose path ends with `path_suffix` with
        `responses`, in order, before going back to normal behaviour."""
        with self._lock:
            for response in responses:
                self._scripts.append((method.upper(), path_suffix, response))

    def fail_always(self, status: int, method: str = "", path_suffix: str = "", **headers: str) -> None:
        with self._lock:
            body = odata_error("ServiceUnavailable" if status >= 500 else "BadRequest", "fake failure")
            self._always = (method.upper(), path_suffix, ScriptedResponse(status, dict(headers), body))

    def heal(self) -> None:
        with self._lock:
            self._always = None
            self._scripts.clear()

    def requests_to(self, method: str, path_suffix: str = "") -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == method.upper() and r.path.endswith(path_suffix)]

    def meetings_for(self, external_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.meetings.values() if m.get("externalId") == external_id]

    # ------------------------------------------------------------------------------- behaviour

    def _scripted(self, method: str, path: str) -> ScriptedResponse | None:
        with self._lock:
            for index, (m, suffix, response) in enumerate(self._scripts):
                if m == method and path.endswith(suffix):
                    del self._scripts[index]
                    return response
            if self._always is not None:
                m, suffix, response = self._always
                if (not m or m == method) and path.endswith(suffix):
                    return response
        return None

    def _handle(self, method: str, path: str, headers: dict[str, str], body: Any) -> ScriptedResponse:
        with self._lock:
            self.requests.append(RecordedRequest(method, path, headers, body, time.monotonic()))
        scripted = self._scripted(method, path)
        if scripted is not None:
            return scripted
        if not headers.get("authorization", "").startswith("Bearer "):
            return ScriptedResponse(401, body=odata_error("InvalidAuthenticationToken", "no token"))
        if method == "POST" and (match := _CREATE_OR_GET.match(path)):
            return self._create_or_get(match.group(1), body)
        if method == "PATCH" and (match := _MEETING.match(path)):
            return self._patch(match.group(2), body)
        return ScriptedResponse(404, body=odata_error("NotFound", f"no route for {method} {path}"))

    def _create_or_get(self, organizer: str, body: Any) -> ScriptedResponse:
        if not isinstance(body, dict) or not body.get("externalId"):
            return ScriptedResponse(400, body=odata_error("BadRequest", "externalId is required"))
        with self._lock:
            key = (organizer, str(body["externalId"]))
            if key in self._by_external_id:
                return ScriptedResponse(200, body=dict(self.meetings[self._by_external_id[key]]))
            meeting_id = f"MSo{next(self._ids):08d}fake"
            meeting = {
                "@odata.type": "#microsoft.graph.onlineMeeting",
                "id": meeting_id,
                "externalId": body["externalId"],
                "subject": body.get("subject"),
                "startDateTime": body.get("startDateTime"),
                "endDateTime": body.get("endDateTime"),
                "joinWebUrl": f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{meeting_id}%40thread.v2/0",
                "lobbyBypassSettings": dict(self.default_lobby),
                "participants": {"organizer": {"upn": organizer, "role": "presenter"}},
            }
            self.meetings[meeting_id] = meeting
            self._by_external_id[key] = meeting_id
            return ScriptedResponse(201, body=dict(meeting))

    def _patch(self, meeting_id: str, body: Any) -> ScriptedResponse:
        with self._lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is None:
                return ScriptedResponse(404, body=odata_error("NotFound", "meeting not found"))
            if isinstance(body, dict):
                meeting.update({k: v for k, v in body.items() if k != "@odata.type"})
            return ScriptedResponse(200, body=dict(meeting))

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 64 * 1024  # one write per response (flushed per request): no Nagle/delayed-ACK stall

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                headers = {k.lower(): v for k, v in self.headers.items()}
                response = fake._handle(self.command, self.path.split("?")[0], headers, body)
                if response.delay:
                    time.sleep(response.delay)
                payload = b"" if response.body is None else json.dumps(response.body).encode()
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                if payload:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = _serve  # noqa: N815 (http.server's names)

        return Handler
