"""Token buckets for abuse limits: pure, in memory, time passed in (monotonic seconds).

A bucket holds up to `capacity` tokens and gains `rate` tokens per second; a request takes one. When
the bucket is empty, `take` answers how many seconds until a token is back (the `Retry-After`).
`Buckets` keeps one bucket per key (a client address, a unit) and forgets the least recently used keys
beyond `max_keys`, so a flood of made-up keys cannot grow the memory without bound (a forgotten key
starts again with a full bucket, which errs on the side of the citizen).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """`capacity` requests at once, `per_second` sustained."""

    capacity: float
    per_second: float

    def __post_init__(self) -> None:
        if self.capacity < 1 or self.per_second <= 0:
            raise ValueError("a rate allows at least one request and refills")


@dataclass
class TokenBucket:
    tokens: float
    updated: float

    def take(self, rate: Rate, now: float) -> float:
        """Take a token: 0.0 when allowed, else the seconds to wait (nothing is taken)."""
        return self.take_up_to(rate, now, 1)[1]

    def level(self, rate: Rate, now: float) -> float:
        """How full the bucket is at `now`, 0..1, without taking anything."""
        elapsed = max(0.0, now - self.updated)
        return min(rate.capacity, self.tokens + elapsed * rate.per_second) / rate.capacity

    def take_up_to(self, rate: Rate, now: float, count: int) -> tuple[int, float]:
        """Take up to `count` whole tokens at once (a batch for later requests): how many were taken,
        and, when none, the seconds until one is back."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(rate.capacity, self.tokens + elapsed * rate.per_second)
        self.updated = now
        taken = min(max(1, count), math.floor(self.tokens))
        if taken >= 1:
            self.tokens -= taken
            return taken, 0.0
        return 0, (1.0 - self.tokens) / rate.per_second


class Buckets:
    """One bucket per key, at most `max_keys` keys (least recently used forgotten). Not thread-safe:
    its owner serializes the calls (functions/limits.py holds a lock)."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def take(self, key: str, rate: Rate, now: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = TokenBucket(rate.capacity, now)
            self._buckets[key] = bucket
            if len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket.take(rate, now)

    def level(self, key: str, rate: Rate, now: float) -> float:
        """How full `key`'s bucket is, 0..1 (1: a key never seen, or forgotten); nothing is taken."""
        bucket = self._buckets.get(key)
        return 1.0 if bucket is None else bucket.level(rate, now)

    def __len__(self) -> int:
        return len(self._buckets)


def retry_after(wait_s: float) -> int:
    """Whole seconds for a `Retry-After` header (at least 1)."""
    return max(1, math.ceil(wait_s))
