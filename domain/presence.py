"""Who is still there: citizens' polls and clerks' consoles, noticed without a write per poll.

Each worker remembers when it last saw each ticket (and each clerk) of a unit-day (the `Sightings`
port, adapters/worker.py), and writes that down as one heartbeat entity per worker now and then. The
upkeep timer merges the heartbeats of every worker (the latest sighting wins) to tell absent citizens
and clerks who closed their console.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def merge(heartbeats: Sequence[Mapping[str, int]]) -> dict[str, int]:
    """The latest sighting of each key over every worker's heartbeat."""
    out: dict[str, int] = {}
    for beat in heartbeats:
        for key, at in beat.items():
            if at > out.get(key, 0):
                out[key] = at
    return out
