"""What one worker process keeps for itself: the sightings of polls it has not written down yet, its
turns at a unit-day partition, how long it waits before retrying a lost optimistic update, and a pool
to run independent tasks side by side (domain/ports.py: `Sightings`, `Turns`, `Backoff`,
`TaskRunner`). Nothing here must hold across workers: what must is in storage.
"""

from __future__ import annotations

import contextvars
import random
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypedDict, TypeVar

from domain.ports import Backoff, Sightings, TaskRunner, Turns

T = TypeVar("T")
R = TypeVar("R")


class PresenceBuffer:
    """Sightings of one worker, written down at most every `flush_s` seconds per unit-day: a poll
    thus costs a storage write only once per `flush_s` per unit and worker."""

    def __init__(self, flush_s: float = 20.0) -> None:
        self.flush_s = flush_s
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], dict[str, int]] = {}
        self._flushed_ms: dict[tuple[str, str], int] = {}

    def seen(self, unit_id: str, day: str, key: str, now_ms: int) -> Mapping[str, int] | None:
        """Record a sighting; returns the unit-day's sightings when they are due to be written."""
        with self._lock:
            bucket = self._seen.setdefault((unit_id, day), {})
            bucket[key] = max(now_ms, bucket.get(key, 0))
            last = self._flushed_ms.get((unit_id, day), 0)
            if now_ms - last < self.flush_s * 1000:
                return None
            self._flushed_ms[(unit_id, day)] = now_ms
            return dict(bucket)


class PartitionTurns:
    """One lock per unit-day: requests of this worker to the same partition take turns."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def hold(self, unit_id: str, day: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault((unit_id, day), threading.Lock())


class JitteredBackoff:
    """Exponential backoff with full jitter: up to 5 ms, 10 ms, ... capped at 200 ms."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self._sleep = sleep

    def pause(self, attempt: int) -> None:
        self._sleep(random.uniform(0, min(0.2, 0.005 * 2 ** min(attempt, 6))))


class ThreadPoolRunner:
    """Runs tasks in up to `workers` threads; each in a copy of the caller's context (its storage-meter
    attribution and its trace)."""

    def __init__(self, workers: int = 8) -> None:
        self._workers = workers

    def map(self, task: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if len(items) <= 1 or self._workers <= 1:
            return [task(item) for item in items]
        with ThreadPoolExecutor(min(self._workers, len(items))) as pool:
            futures = [pool.submit(contextvars.copy_context().run, task, item) for item in items]
            return [f.result() for f in futures]


class ProcessParts(TypedDict):
    """The fields of a use-case `Context` that are this process's own."""

    sightings: Sightings
    turns: Turns
    backoff: Backoff
    tasks: TaskRunner
    worker_id: str


def process_parts() -> ProcessParts:
    """A process's own parts, new (the app's bootstrap and the tests' Azurite contexts build them alike):
    `Context(..., **process_parts())`."""
    return ProcessParts(
        sightings=PresenceBuffer(),
        turns=PartitionTurns(),
        backoff=JitteredBackoff(),
        tasks=ThreadPoolRunner(),
        worker_id=secrets.token_hex(4),
    )
