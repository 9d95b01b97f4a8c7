"""The ports of the text conversation (issue 18): where its state is kept and how replies are sent.

The state of a conversation is personal data (the number, the answers typed): it is keyed by a keyed
hash of the number (`conversation_key`), never by the number itself, forgotten when the conversation
ends, when its ticket is erased (domain/usecases/retention.py) and by the daily purge once idle past
the retention period.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from domain.tokens import KeyRing


def conversation_key(keys: KeyRing, channel: str, contact: str) -> str:
    """The key of a contact's conversation on a channel: a keyed hash, so storage never shows the number."""
    return keys.fingerprint(f"conversation|{channel}|{contact}")


class ConversationStore(Protocol):
    """Conversation states by key. `save` with an `etag` fails with ConcurrentUpdateError when the row
    changed since it was read (None: create, failing the same way if it exists)."""

    def load(self, key: str) -> tuple[dict[str, Any] | None, str | None]: ...

    def save(self, key: str, record: Mapping[str, Any], etag: str | None) -> None: ...

    def forget(self, key: str) -> None: ...

    def idle_since(self, before_ms: int) -> list[str]:
        """The keys of conversations whose last message came before `before_ms`."""
        ...


class TextReplies(Protocol):
    """What the conversation sends to a contact: free-form text inside the channel's customer-service
    window (WhatsApp: 24 hours after the citizen's last message), a template the court registered
    outside it (domain/conversation/window.py). Returns the provider's message id; raises like
    CitizenChannel."""

    def say(self, contact: str, text: str) -> str: ...

    def template(self, contact: str, name: str, values: tuple[str, ...]) -> str: ...
