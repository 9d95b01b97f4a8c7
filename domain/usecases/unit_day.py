"""Optimistic concurrency, written once.

`retry_on_conflict` runs an attempt (read, decide, write guarded by ETags) again when someone else
wrote first (`ConcurrentUpdateError`), pausing between tries (`Backoff`, a port: the domain never
sleeps), up to a bound.

`mutate` is that loop around one unit-day queue state: take the state with its ETag, apply a pure
change, commit it with the ticket writes in one transaction. That is what makes two clerks never get
the same citizen. The first try takes the copy this worker last read or committed (no read: one
storage transaction per change when this worker wrote last); a stale copy's commit is refused by its
ETag, and the next try reads fresh. A change that this copy *refuses* (a `DomainError`: "not called",
"nobody waiting", ...) is decided again on a fresh read before the refusal stands: another instance
may have changed the state since (Flex Consumption sends a clerk's "start" to any instance, maybe one
that has not seen the call another instance made), and a refusal writes nothing for an ETag to catch.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar, cast
from zoneinfo import ZoneInfo

from domain.config import UnitConfig
from domain.errors import ConcurrentUpdateError, DomainError
from domain.ports import Backoff, RowWrite, UnitRecords
from domain.queue import QueueState
from domain.tickets import TicketId, TicketWrite
from domain.usecases.context import Context

T = TypeVar("T")
Change = Callable[[QueueState], tuple[T, list[TicketWrite]]]


class NoChange(Exception, Generic[T]):  # noqa: N818 - a signal, not an error
    """Raised by a change function that found nothing to do: `mutate` returns `result` unwritten."""

    def __init__(self, result: T | None = None) -> None:
        super().__init__()
        self.result = result


def retry_on_conflict(attempt: Callable[[], T], backoff: Backoff, max_attempts: int) -> T:
    """`attempt()` until it does not lose an optimistic update, at most `max_attempts` times."""
    for n in range(max_attempts):
        try:
            return attempt()
        except ConcurrentUpdateError:
            backoff.pause(n)
    raise ConcurrentUpdateError()


def mutate(ctx: Context, unit_id: str, day: str, change: Change[T]) -> T:
    """Apply `change` to the unit-day's state and commit it with its ticket writes (module docstring)."""

    tries = 0

    def attempt() -> T:
        nonlocal tries
        tries += 1
        with ctx.turns.hold(unit_id, day):
            # The first try changes this worker's last copy (no read); after a conflict, a fresh read.
            fresh = tries > 1
            while True:
                state, etag = (ctx.store.load if fresh else ctx.store.load_for_change)(unit_id, day)
                try:
                    result, writes = change(state)
                    break
                except NoChange as nothing:
                    return cast(T, nothing.result)
                except DomainError:
                    if fresh:
                        raise
                    fresh = True  # refused by this worker's copy: it stands if a fresh read refuses too
            state.version += 1
            ctx.store.commit(state, etag, writes)
            return result

    return retry_on_conflict(attempt, ctx.backoff, ctx.max_attempts)


def commit_records(
    ctx: Context, records: UnitRecords, unit_id: str, build: Callable[[], list[RowWrite]]
) -> None:
    """Build the writes of a unit's records from a fresh read and commit them, again while someone
    else wrote in between (ETags)."""
    retry_on_conflict(lambda: records.commit(unit_id, build()), ctx.backoff, ctx.max_attempts)


def service_day(unit: UnitConfig, now: datetime) -> str:
    """The unit's local date (YYYYMMDD): one queue partition per unit and service day."""
    return now.astimezone(ZoneInfo(unit.timezone)).strftime("%Y%m%d")


def ticket_day(tid: TicketId) -> str:
    return f"{tid.day:%Y%m%d}"
