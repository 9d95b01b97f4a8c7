"""Who is still there: citizens' polls and clerks' consoles, noticed without a write per poll.

Each worker remembers when it last saw each ticket (and each clerk) of a unit-day in memory, and writes
that down as one heartbeat entity per worker at most every `flush_s` seconds. The upkeep timer merges
the heartbeats of every worker (the latest sighting wins) to tell absent citizens and clerks who
closed their console. A poll thus costs a storage write only once per `flush_s` per unit and worker.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence


class PresenceBuffer:
    def __init__(self, flush_s: float = 20.0) -> None:
        self.flush_s = flush_s
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], dict[str, int]] = {}
        self._flushed_ms: dict[tuple[str, str], int] = {}

    def seen(self, unit_id: str, day: str, key: str, now_ms: int) -> dict[str, int] | None:
        """Record a sighting; returns the unit-day's sightings when they are due to be written."""
        with self._lock:
            bucket = self._seen.setdefault((unit_id, day), {})
            bucket[key] = max(now_ms, bucket.get(key, 0))
            last = self._flushed_ms.get((unit_id, day), 0)
            if now_ms - last < self.flush_s * 1000:
                return None
            self._flushed_ms[(unit_id, day)] = now_ms
            return dict(bucket)


def merge(heartbeats: Sequence[Mapping[str, int]]) -> dict[str, int]:
    """The latest sighting of each key over every worker's heartbeat."""
    out: dict[str, int] = {}
    for beat in heartbeats:
        for key, at in beat.items():
            if at > out.get(key, 0):
                out[key] = at
    return out
