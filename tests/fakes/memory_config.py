"""In-memory configuration file (the blob) and configuration store (the table)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.fakes.memory_store import new_etag


class MemoryConfigFile:
    def __init__(self, data: bytes = b"") -> None:
        self.data = data
        self.etag = new_etag() if data else ""

    def upload(self, data: bytes) -> None:
        self.data, self.etag = data, new_etag()

    def fetch(self, known_etag: str | None) -> tuple[bytes, str] | None:
        if not self.etag or self.etag == known_etag:
            return None
        return self.data, self.etag


class MemoryConfigStore:
    def __init__(self) -> None:
        self.text: tuple[str, str] | None = None
        self.outcome: dict[str, Any] | None = None

    def current(self) -> tuple[str, str] | None:
        return self.text

    def save(self, text: str, source_etag: str, now: datetime) -> None:
        self.text = (text, source_etag)
        self.record(source_etag, "aplicada", now)

    def record(self, source_etag: str, outcome: str, now: datetime) -> None:
        self.outcome = {"sourceEtag": source_etag, "outcome": outcome, "at": now.isoformat()}

    def status(self) -> dict[str, Any] | None:
        return self.outcome
