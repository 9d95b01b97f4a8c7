"""Side effects done once per key, whatever worker (instance) a queue message reaches: the notices to
the citizens (domain/usecases/citizen_notices.py). (The clerks' cards are claimed by their notifier,
with the webhook's pacing slot: domain/ports.py ClerkNotifier.)

The key is claimed in storage before the effect (`claim`), marked done after it, or released when it
failed so that a retry goes through (`settle`). A key another worker is working on now is "busy": the
caller retries later (`in_flight`), when that effect has ended one way or the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.errors import IN_FLIGHT, TransientProviderError
from domain.times import ms
from domain.usecases.context import Context

CLAIM_MS = 120_000  # longer than a send may take (the senders give up after 30 s)


def claim(ctx: Context, unit_id: str, day: str, key: str, now: datetime) -> str:
    """ "claimed" (do it now), "done" (already done) or "busy" (another worker is doing it)."""
    return ctx.store.claim_once(unit_id, day, key, ms(now), CLAIM_MS)


def settle(ctx: Context, unit_id: str, day: str, keys: Sequence[str], *, done: bool) -> None:
    for key in keys:
        ctx.store.settle_once(unit_id, day, key, done)


def in_flight() -> TransientProviderError:
    """What a caller raises when another worker holds some of its keys: the message comes back later."""
    return TransientProviderError(
        "Outro processo está enviando este aviso; ele será conferido de novo.", reason=IN_FLIGHT
    )
