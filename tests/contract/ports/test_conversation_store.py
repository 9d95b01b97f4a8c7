"""`ConversationStore` (domain/conversation/ports.py): a state saved, read back with its ETag, a stale
or a second creating save refused with ConcurrentUpdateError, forgotten idempotently, and the idle ones
found by their last message (the fake and the Table Storage adapter over Azurite alike)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.conversations_table import TableConversationStore
from adapters.storage import table_service
from domain.conversation.ports import ConversationStore
from domain.errors import ConcurrentUpdateError
from tests.contract.ports.conftest import KINDS
from tests.fakes.memory_conversations import MemoryConversationStore

DAY_MS = 86_400_000


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest) -> Iterator[ConversationStore]:
    if request.param == "memory":
        yield MemoryConversationStore()
        return
    env: dict[str, str] = request.getfixturevalue("storage_env")
    yield TableConversationStore(table_service(env), table=request.getfixturevalue("unique") + "c")


def test_save_load_and_the_etag_guard(store: ConversationStore) -> None:
    assert store.load("k1") == (None, None)
    store.save("k1", {"step": "unit", "lastMs": 5, "answers": {"name": "José"}}, None)
    record, etag = store.load("k1")
    assert record == {"step": "unit", "lastMs": 5, "answers": {"name": "José"}} and etag
    with pytest.raises(ConcurrentUpdateError):
        store.save("k1", {"step": "other", "lastMs": 6}, None)  # it exists: a creating save loses
    store.save("k1", {"step": "ask", "lastMs": 7}, etag)
    with pytest.raises(ConcurrentUpdateError):
        store.save("k1", {"step": "stale", "lastMs": 8}, etag)  # read before the last save
    assert store.load("k1")[0] == {"step": "ask", "lastMs": 7}


def test_idle_ones_are_found_and_forgotten(store: ConversationStore) -> None:
    store.save("old", {"lastMs": 10 * DAY_MS}, None)
    store.save("new", {"lastMs": 40 * DAY_MS}, None)
    assert store.idle_since(30 * DAY_MS) == ["old"]
    store.forget("old")
    store.forget("old")  # not there any more: no error
    assert store.load("old") == (None, None) and store.idle_since(30 * DAY_MS) == []
    assert store.load("new")[0] == {"lastMs": 40 * DAY_MS}
