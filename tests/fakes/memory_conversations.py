"""In-memory `ConversationStore` and `TextReplies` (domain/conversation/ports.py): states by key with
ETags, and the texts and templates sent, recorded (they can be told to fail, as the ACS adapter does)."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.errors import ConcurrentUpdateError, TransientProviderError


class MemoryConversationStore:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, str]] = {}  # key → (record as JSON, etag)
        self._lock = threading.Lock()
        self._version = 0

    def load(self, key: str) -> tuple[dict[str, Any] | None, str | None]:
        with self._lock:
            found = self.rows.get(key)
        return (json.loads(found[0]), found[1]) if found else (None, None)

    def save(self, key: str, record: Mapping[str, Any], etag: str | None) -> None:
        with self._lock:
            current = self.rows.get(key)
            if (current[1] if current else None) != etag:
                raise ConcurrentUpdateError()
            self._version += 1
            self.rows[key] = (json.dumps(dict(record)), f"v{self._version}")

    def forget(self, key: str) -> None:
        with self._lock:
            self.rows.pop(key, None)

    def idle_since(self, before_ms: int) -> list[str]:
        with self._lock:
            return sorted(
                k for k, (text, _) in self.rows.items() if json.loads(text).get("lastMs", 0) < before_ms
            )


@dataclass
class RecordingReplies:
    sent: list[tuple[str, str]] = field(default_factory=list)  # (contact, text)
    templates: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)  # (contact, name, values)
    transient_failures: int = 0  # the next N sends raise TransientProviderError

    def say(self, contact: str, text: str) -> str:
        self._fail()
        self.sent.append((contact, text))
        return f"reply-{len(self.sent)}"

    def template(self, contact: str, name: str, values: tuple[str, ...]) -> str:
        self._fail()
        self.templates.append((contact, name, tuple(values)))
        return f"template-{len(self.templates)}"

    def _fail(self) -> None:
        if self.transient_failures:
            self.transient_failures -= 1
            raise TransientProviderError("O serviço de WhatsApp não respondeu.")

    def texts(self) -> list[str]:
        return [text for _, text in self.sent]
