"""Local meetings for development and tests: a deterministic URL per ticket, no network.

``join_url`` is ``{base_url}/reuniao.html?senha={ticket}`` (a simulated room served from ``site/``; the
clerk's link adds ``&papel=servidor``). The provider
remembers what it created, so tests can check that a ticket got exactly one meeting.
"""

from __future__ import annotations

import threading
from urllib.parse import quote, urlsplit

from domain.errors import ProviderError
from domain.ports import Meeting, MeetingRequest

PROVIDER_NAME = "local"


class LocalMeetingProvider:
    """`MeetingProvider` that invents meetings on a configurable base URL."""

    offline = True  # no network: the call makes the meeting in its own transaction

    def __init__(self, *, base_url: str = "http://localhost:7071", path: str = "/reuniao.html") -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("base_url must be an absolute http(s) URL")
        self._base = base_url.rstrip("/") + "/" + path.strip("/")
        self._lock = threading.Lock()
        self.created: dict[str, Meeting] = {}  # by ticket id

    def create(self, request: MeetingRequest) -> Meeting:
        if not request.ticket_id:
            raise ProviderError("Atendimento sem identificador.")
        url = f"{self._base}?senha={quote(request.ticket_id, safe='')}"
        meeting = Meeting(
            join_url=url,
            provider=PROVIDER_NAME,
            meeting_id=f"local-{request.ticket_id}",
            clerk_join_url=f"{url}&papel=servidor",
        )
        with self._lock:
            return self.created.setdefault(request.ticket_id, meeting)
