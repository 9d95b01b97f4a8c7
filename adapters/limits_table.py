"""Limits that must hold across instances, kept in Table Storage (Flex Consumption runs many instances).

- `bucket(key, rate, count)`: a token bucket (domain/ratelimit.py) shared by every instance: one entity,
  read and written back under its ETag (a concurrent writer makes the loser read again). `count` takes
  a batch at once, which the caller spends in memory (functions/limits.py leases a unit's join tokens
  that way). Cost: one read and one write per call, more only under contention.
- `held(client)` / `hold(client, ticket_id)`: the tickets a client address was given, for the cap on
  active tickets per client. Cost: one read; one read and one write.
- `held_bookings(client)` / `hold_booking(client, appointment_id, until)`: the appointments a client
  address booked, for the cap on its active bookings (a count, issue 16), in `bookingsheld` (not per
  day: an appointment may be weeks ahead); each is kept only until its time. Cost as above.
- `level(key, rate)`: how full a shared bucket is (0..1), from the copy this worker last read or wrote
  (no read when it has one; one read otherwise), taking nothing.
- `spend(token, expires)`: record a one-time token (a solved proof-of-work challenge, functions/proof.py)
  by creating its entity: True the first time, False when it exists (a replay), on every instance. It
  lives in the day table of its expiry (a replay after expiry is refused by the expiry itself), deleted
  with that day's table. Cost: one write.
- `pacer(hook, ...)`: the sliding window of one Teams webhook (at most N posts in any window of W
  seconds, every instance included), a drop-in for the notifier's in-memory window. Cost: one write per
  post while this instance wrote last (else a refused write, a read and a write).
- The same window records the cards posted to its webhook (`SharedWindow.book`, `settle`): the dedup
  key of each card is claimed by a row of the window's own partition, in the entity-group transaction
  that books the post's slot; marked done after the post (one transaction for every card of the post),
  released when it failed. A card sent once across instances costs that transaction and the mark: two.

Client addresses are personal data: entities are keyed by a keyed hash (`fingerprint`), live in a table
per UTC day (`limits<YYYYMMDD>`) and the tables of earlier days are deleted when a process first writes
on a new day. A bucket starts full again at midnight UTC (evening in Brazil), in the citizen's favour.
Webhook windows and the claims of their cards (no personal data) live in `webhookpacing`; a claim is
kept two days (no queue message comes back later), then deleted by the first booking of a process on a
new UTC day. Times are wall-clock seconds (instances
share no monotonic clock); the notifier's margin covers small clock differences between instances.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient, TableTransactionError, UpdateMode

from adapters.storage import guarded
from adapters.teams_webhook import Booking
from domain.ratelimit import Rate, TokenBucket

TABLE_PREFIX = "limits"
PACING_TABLE = "webhookpacing"
BOOKINGS_TABLE = "bookingsheld"  # not per day: an appointment may be weeks ahead
HELD_FOR_S = 12 * 3600  # no ticket is active longer than a service day
MAX_HELD = 50
_ATTEMPTS = 20
CLAIM_S = 120  # a card's claim older than this is taken over (its sender died): a post gives up in 30 s
CLAIMS_KEPT_S = 2 * 86400  # a card's claim outlives any redelivery of its queue message
_PER_TRANSACTION = 99  # claims booked with a slot (the window's write is the hundredth operation)
log = logging.getLogger("balcao.limits")


class TableLimits:
    """Shared limits; thread-safe. `fingerprint(text)` hashes client keys (a keyed hash)."""

    def __init__(
        self,
        service: TableServiceClient,
        fingerprint: Callable[[str], str],
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._service = service
        self._fingerprint = fingerprint
        self._wall = wall
        self._lock = threading.Lock()
        self._tables: dict[str, TableClient] = {}
        self._known = Known()

    # --- buckets --------------------------------------------------------------------------------

    def bucket(self, key: str, rate: Rate, count: int = 1) -> tuple[int, float]:
        """Take up to `count` tokens of the shared bucket `key`: (taken, seconds to wait when none)."""
        table, pk = self._today(), self._fingerprint(key)
        for attempt in range(_ATTEMPTS):
            entity, etag = self._known.read(table, pk, fresh=attempt > 0)
            now = self._wall()
            bucket = TokenBucket(
                float(entity.get("tokens", rate.capacity)), float(entity.get("updated", now))
            )
            taken, wait = bucket.take_up_to(rate, now, count)
            if not taken:
                return 0, wait
            if self._known.write(table, {"PartitionKey": pk, "RowKey": "", **_fields(bucket)}, etag):
                return taken, 0.0
        return 0, 1.0  # so contended that it is a flood: refused, try again in a second

    def level(self, key: str, rate: Rate) -> float:
        """How full the shared bucket `key` is, 0..1 (1 when it was never taken from today)."""
        entity, _ = self._known.read(self._today(), self._fingerprint(key), fresh=False)
        now = self._wall()
        bucket = TokenBucket(float(entity.get("tokens", rate.capacity)), float(entity.get("updated", now)))
        return bucket.level(rate, now)

    # --- one-time tokens -------------------------------------------------------------------------

    def spend(self, token: str, expires: float) -> bool:
        """True the first time `token` is spent (before `expires`, wall seconds), False ever after."""
        day = datetime.fromtimestamp(max(expires, self._wall()), UTC)
        table = self._table(f"{TABLE_PREFIX}{day:%Y%m%d}")
        entity = {"PartitionKey": self._fingerprint(token), "RowKey": "", "expires": float(expires)}
        return _write(table, entity, None)[0]

    # --- tickets held by a client ----------------------------------------------------------------

    def held(self, client: str) -> list[tuple[str, float]]:
        """(ticket id, accepted at, wall seconds) of the tickets given to `client` today."""
        entity, _ = _read(self._today(), self._fingerprint(f"held|{client}"))
        return _held_of(entity)

    def hold(self, client: str, ticket_id: str) -> None:
        now = self._wall()
        kept = _append(self._today(), self._fingerprint(f"held|{client}"), (ticket_id, now), now - HELD_FOR_S)
        if not kept:
            log.warning("tickets held by a client not recorded: too many concurrent joins from it")

    # --- appointments booked by a client ---------------------------------------------------------

    def held_bookings(self, client: str) -> list[str]:
        """The appointments booked by `client` whose time has not come (ids)."""
        entity, _ = _read(self._table(BOOKINGS_TABLE), self._fingerprint(f"bookings|{client}"))
        now = self._wall()
        return [a for a, until in _held_of(entity) if until > now]

    def hold_booking(self, client: str, appointment_id: str, until: float) -> None:
        """Record an appointment booked by `client`, kept until its time (`until`, wall seconds)."""
        table, pk = self._table(BOOKINGS_TABLE), self._fingerprint(f"bookings|{client}")
        if not _append(table, pk, (appointment_id, until), self._wall()):
            log.warning("appointments held by a client not recorded: too many concurrent bookings from it")

    # --- webhook pacing --------------------------------------------------------------------------

    def pacer(self, hook: str, max_requests: int, window: float, clock: Callable[[], float]) -> SharedWindow:
        return SharedWindow(
            self._table(PACING_TABLE), f"pace.{hook}", max_requests, window, clock, self._wall, self._known
        )

    # --- tables ----------------------------------------------------------------------------------

    def _today(self) -> TableClient:
        day = datetime.fromtimestamp(self._wall(), UTC)
        name = f"{TABLE_PREFIX}{day:%Y%m%d}"
        if name not in self._tables:
            table = self._table(name)
            self._drop_before(day - timedelta(days=1))
            return table
        return self._tables[name]

    def _table(self, name: str) -> TableClient:
        with self._lock:
            table = self._tables.get(name)
            if table is None:
                with contextlib.suppress(ResourceExistsError):
                    self._service.create_table(name)
                table = self._tables[name] = self._service.get_table_client(name)
            return table

    def _drop_before(self, day: datetime) -> None:
        """Delete the tables of days before `day` (yesterday's is kept for a bucket across midnight)."""
        oldest_kept = f"{TABLE_PREFIX}{day:%Y%m%d}"
        query = f"TableName ge '{TABLE_PREFIX}0' and TableName lt '{oldest_kept}'"
        with contextlib.suppress(HttpResponseError):
            for table in list(self._service.query_tables(query)):
                with contextlib.suppress(ResourceNotFoundError):
                    self._service.delete_table(table.name)


class SharedWindow:
    """At most `max_requests` posts to one webhook in any `window` seconds, across instances; the
    interface of the notifier's in-memory window (`reserve`, `busy`, `book`, `settle`), in the caller's
    clock. The cards posted are claimed in the window's partition (`n.{hash of the dedup key}` rows)."""

    def __init__(
        self,
        table: TableClient,
        key: str,
        max_requests: int,
        window: float,
        clock: Callable[[], float],
        wall: Callable[[], float],
        known: Known | None = None,
    ) -> None:
        self._table, self._key = table, key
        self._known = known or Known()
        self._max, self._window = max_requests, window
        self._clock, self._wall = clock, wall
        self._last = float("-inf")  # wall time of this process's last reservation
        self._purged_day = -1
        # One booking at a time in this process: the queue functions run a batch of messages on threads
        # at once, and each would start from the same copy of the window and refuse the others (412,
        # then a read and a write more, up to `_ATTEMPTS`, after which the message waits for its
        # retry). In turn, each starts from the copy the previous one wrote: one write each. Other
        # instances are still kept out by the ETag.
        self._booking = threading.Lock()

    def reserve(self, deadline: float, not_before: float = 0.0) -> float | None:
        """The earliest allowed start (caller's clock) not before `not_before`, reserved for this
        caller; None (nothing reserved) when that is after `deadline`."""
        return self.book(deadline, not_before).start

    def book(self, deadline: float, not_before: float = 0.0, keys: Sequence[str] = ()) -> Booking:
        """`reserve`, and claim the dedup keys of the cards to be posted (at most 99) in the same
        transaction. A key whose card was posted, or that another instance is posting now, is refused
        ("done", "busy") and not claimed; when every key is refused, no slot is booked either."""
        if len(keys) > _PER_TRANSACTION:
            raise ValueError(f"at most {_PER_TRANSACTION} cards per booking, got {len(keys)}")
        with self._booking:
            return self._book(deadline, not_before, keys)

    def _book(self, deadline: float, not_before: float, keys: Sequence[str]) -> Booking:
        if keys:
            self._purge_old_claims()
        claims: dict[str, str | None] = dict.fromkeys(keys)  # key -> etag of a stale claim taken over
        refused: dict[str, str] = {}
        fresh = False
        for _ in range(_ATTEMPTS):
            entity, etag = self._known.read(self._table, self._key, fresh=fresh)
            offset = self._wall() - self._clock()  # caller's clock -> wall clock
            now = self._clock() + offset
            slots = sorted(float(t) for t in json.loads(entity.get("slots") or "[]") if now - t < 60)
            start = max(now, not_before + offset, slots[-1] if slots else now)
            if len(slots) >= self._max:
                start = max(start, slots[-self._max] + self._window)
            if start > deadline + offset or (keys and not claims):
                return Booking(None, refused)
            recent = [t for t in slots if t > start - self._window]
            kept = [*recent[max(0, len(recent) - (self._max - 1)) :], start]
            window = {"PartitionKey": self._key, "RowKey": "", "slots": json.dumps(kept)}
            ops = [
                guarded(window, etag),
                *(self._claim_op(k, taken_over, now) for k, taken_over in claims.items()),
            ]
            try:
                results = self._table.submit_transaction(ops)  # type: ignore[arg-type]
            except TableTransactionError as exc:
                if exc.status_code not in (404, 409, 412):
                    raise
                index = exc.index if 0 < exc.index <= len(claims) else 0
                if index == 0:  # another instance wrote the window first: read it again
                    self._known.forget(self._table, self._key)
                    fresh = True
                    continue
                key = list(claims)[index - 1]
                verdict, taken_over = self._claimed(key, now)
                if verdict:
                    refused[key] = verdict
                    del claims[key]
                else:
                    claims[key] = taken_over
                continue  # nothing was written: the window copy is still good
            self._known.remember(self._table, window, results[0].get("etag") if results else None)
            self._last = start
            return Booking(start - offset, refused)
        return Booking(None, refused)  # too contended: the caller retries the message later

    def settle(self, keys: Sequence[str], *, done: bool) -> None:
        """After the post: its cards marked done (one transaction per 100), or their claims released."""
        rows = [{"PartitionKey": self._key, "RowKey": _claim_rk(k)} for k in keys]
        if done:
            at = int(self._wall())
            for i in range(0, len(rows), 100):
                ops = [
                    ("upsert", {**r, "state": "done", "at": at}, {"mode": UpdateMode.REPLACE})
                    for r in rows[i : i + 100]
                ]
                self._table.submit_transaction(ops)  # type: ignore[arg-type]
            return
        for row in rows:
            with contextlib.suppress(ResourceNotFoundError):
                self._table.delete_entity(row["PartitionKey"], row["RowKey"])

    def busy(self) -> bool:
        """Whether this process posted (or booked a post) within the last window."""
        return self._last > self._wall() - self._window

    def _claim_op(self, key: str, taken_over: str | None, now: float) -> tuple[Any, ...]:
        row = {"PartitionKey": self._key, "RowKey": _claim_rk(key), "state": "claimed", "at": int(now)}
        return guarded(row, taken_over)

    def _claimed(self, key: str, now: float) -> tuple[str, str | None]:
        """Why a claim's insert failed: ("done" | "busy", None), or ("", etag) of a claim left by a
        sender that died (older than CLAIM_S: taken over), or ("", None) when it is gone again."""
        try:
            row = self._table.get_entity(self._key, _claim_rk(key))
        except ResourceNotFoundError:
            return "", None
        if row.get("state") == "done":
            return "done", None
        if now - int(row.get("at", 0)) < CLAIM_S:
            return "busy", None
        return "", str(row.metadata["etag"])

    def _purge_old_claims(self) -> None:
        """Once a UTC day per process: delete this webhook's claims older than CLAIMS_KEPT_S."""
        today = int(self._wall() // 86400)
        if today == self._purged_day:
            return
        self._purged_day = today
        query = "PartitionKey eq @pk and RowKey gt 'n.' and RowKey lt 'n/' and at lt @cutoff"
        params = {"pk": self._key, "cutoff": int(self._wall()) - CLAIMS_KEPT_S}
        with contextlib.suppress(HttpResponseError):
            old = [
                e["RowKey"] for e in self._table.query_entities(query, parameters=params, select=["RowKey"])
            ]
            for i in range(0, len(old), 100):
                deletes = [("delete", {"PartitionKey": self._key, "RowKey": rk}) for rk in old[i : i + 100]]
                self._table.submit_transaction(deletes)  # type: ignore[arg-type]


def _claim_rk(key: str) -> str:
    """A dedup key as a row key: hashed (any text, fixed length, none of the characters keys refuse)."""
    return "n." + hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]


class Known:
    """The entities this worker last read or wrote, with their etags: a read-modify-write starts from
    that copy (no read) and its write, guarded by the etag, fails when another instance wrote in
    between; the next attempt then reads fresh. One storage transaction per change while this worker
    is the only writer, as many as before (plus the refused write) when it is not."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entities: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}

    def read(self, table: TableClient, pk: str, *, fresh: bool) -> tuple[dict[str, Any], str | None]:
        key = (table.table_name, pk)
        if not fresh:
            with self._lock:
                known = self._entities.get(key)
            if known is not None:
                return dict(known[0]), known[1]
        entity, etag = _read(table, pk)
        with self._lock:
            if etag is None:
                self._entities.pop(key, None)
            else:
                self._entities[key] = (entity, etag)
        return dict(entity), etag

    def write(self, table: TableClient, entity: dict[str, Any], etag: str | None) -> bool:
        written, new_etag = _write(table, entity, etag)
        if written:
            self.remember(table, entity, new_etag)
        else:
            self.forget(table, str(entity["PartitionKey"]))
        return written

    def remember(self, table: TableClient, entity: dict[str, Any], etag: object) -> None:
        """`entity` as written (by a transaction too) with its new etag (none: forgotten)."""
        key = (table.table_name, str(entity["PartitionKey"]))
        with self._lock:
            if etag:
                self._entities[key] = (dict(entity), str(etag))
            else:
                self._entities.pop(key, None)

    def forget(self, table: TableClient, pk: str) -> None:
        with self._lock:
            self._entities.pop((table.table_name, pk), None)


def _read(table: TableClient, pk: str) -> tuple[dict[str, Any], str | None]:
    try:
        entity = table.get_entity(pk, "")
    except ResourceNotFoundError:
        return {}, None
    return dict(entity), entity.metadata["etag"]


def _write(table: TableClient, entity: dict[str, Any], etag: str | None) -> tuple[bool, str | None]:
    """Create (no etag) or replace under the etag: (written, its new etag); not written when another
    writer came first."""
    try:
        if etag is None:
            written = table.create_entity(entity)
        else:
            written = table.update_entity(
                entity, mode=UpdateMode.REPLACE, etag=etag, match_condition=MatchConditions.IfNotModified
            )
    except ResourceExistsError:
        return False, None
    except HttpResponseError as exc:
        if exc.status_code == 412:
            return False, None
        raise
    new_etag = written.get("etag") if isinstance(written, Mapping) else None
    return True, str(new_etag) if new_etag else None


def _fields(bucket: TokenBucket) -> dict[str, float]:
    return {"tokens": bucket.tokens, "updated": bucket.updated}


def _append(table: TableClient, pk: str, item: tuple[str, float], drop_before: float) -> bool:
    """Add `item` to the `held` list of entity `pk` (the items whose time is before `drop_before`
    dropped, the last `MAX_HELD` kept), under its ETag; False when too contended to write."""
    for _ in range(_ATTEMPTS):
        entity, etag = _read(table, pk)
        kept = [(t, at) for t, at in _held_of(entity) if at >= drop_before]
        kept = [*kept, item][-MAX_HELD:]
        if _write(table, {"PartitionKey": pk, "RowKey": "", "held": json.dumps(kept)}, etag)[0]:
            return True
    return False


def _held_of(entity: dict[str, Any]) -> list[tuple[str, float]]:
    try:
        return [(str(t), float(at)) for t, at in json.loads(entity.get("held") or "[]")]
    except (ValueError, TypeError):
        return []
