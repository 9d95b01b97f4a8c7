"""In-memory `BatchBus`: queues of JSON objects, at least once.

`drain` takes up to N waiting messages into a batch (each delivery counts, as Storage Queues'
dequeue count does); `complete()` deletes them; a batch not completed leaves its messages in the queue
for the next delivery. Messages tried `max_dequeue` times are left for the host's poison queue.
Payloads go through JSON, so what a use case sends is what a handler would receive.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain.ports import QueuedMessage


@dataclass
class Waiting:
    id: int
    body: str
    delay_s: int
    dequeue_count: int = 0
    taken: bool = False


class MemoryBatch:
    def __init__(self, bus: MemoryBus, queue: str, taken: list[Waiting]) -> None:
        self._bus = bus
        self._queue = queue
        self._taken = taken
        self._items = [QueuedMessage(json.loads(w.body), w.dequeue_count) for w in taken]

    @property
    def items(self) -> Sequence[QueuedMessage]:
        return self._items

    def complete(self) -> None:
        self._bus.delete(self._queue, [w.id for w in self._taken])


class MemoryBus:
    def __init__(self) -> None:
        self.queues: dict[str, list[Waiting]] = {}
        self.sent: list[tuple[str, dict[str, Any]]] = []  # every message ever sent, in order
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def send(self, queue: str, payload: Mapping[str, Any], delay_s: int = 0) -> None:
        body = json.dumps(payload, ensure_ascii=False)
        with self._lock:
            self.queues.setdefault(queue, []).append(Waiting(next(self._ids), body, delay_s))
            self.sent.append((queue, json.loads(body)))

    def drain(
        self, queue: str, max_messages: int, visibility_timeout_s: int = 30, max_dequeue: int = 5
    ) -> MemoryBatch:
        with self._lock:
            taken: list[Waiting] = []
            for waiting in self.queues.get(queue, []):
                if len(taken) >= max_messages:
                    break
                if waiting.taken:
                    continue
                waiting.dequeue_count += 1
                waiting.taken = True
                if waiting.dequeue_count >= max_dequeue:
                    continue  # left for the poison queue (the batch does not take it)
                taken.append(waiting)
            return MemoryBatch(self, queue, taken)

    def discard(self, queue: str, field: str, value: str) -> int:
        with self._lock:
            waiting = self.queues.get(queue, [])
            kept = [w for w in waiting if json.loads(w.body).get(field) != value]
            self.queues[queue] = kept
            return len(waiting) - len(kept)

    def delete(self, queue: str, ids: Sequence[int]) -> None:
        with self._lock:
            self.queues[queue] = [w for w in self.queues.get(queue, []) if w.id not in ids]

    def release(self, queue: str) -> None:
        """The visibility timeout passed: taken messages not deleted are visible again."""
        with self._lock:
            for waiting in self.queues.get(queue, []):
                waiting.taken = False

    # --- for tests ---------------------------------------------------------------------------

    def take(self, queue: str) -> list[dict[str, Any]]:
        """Everything waiting in `queue`, removed (what its trigger would process)."""
        out: list[dict[str, Any]] = []
        while True:
            batch = self.drain(queue, 32, max_dequeue=10**6)
            if not batch.items:
                return out
            batch.complete()
            out += [m.payload for m in batch.items]

    def waiting(self, queue: str) -> list[dict[str, Any]]:
        with self._lock:
            return [json.loads(w.body) for w in self.queues.get(queue, [])]
