"""Abuse limits of the public API: joining and polling, per client and per unit; active tickets per client.

Enforced by `endpoint` (functions/http_common.py) before the handler runs, answering 429 problem+json
with `Retry-After` (domain.errors.RateLimitedError). Only the routes in `KINDS` are limited.

**Across instances** (Flex Consumption runs many, and one caller's requests reach any of them):

- *Joins* hold across instances, in Table Storage (adapters/limits_table.py): the per-client bucket and
  the per-client cap on active tickets are exact; the per-unit bucket is taken in leases of up to 10
  tokens that an instance spends in memory (at most that many tokens per instance are spent later
  than taken, none beyond the bucket). Each instance's own buckets shed a flood first, for free: only
  requests they let through cost storage. Cost of a join from a client address: the client bucket (a
  read and a write), its tickets (a read; a read and a write once accepted), a tenth to a fifth of a
  unit lease (a read and a write); `make bench` prints the measured figure. A join already costs
  storage work (its queue message, its admission), so this is affordable.
- *Polls* are limited in each instance's memory only: a citizen's poll must stay at ~0.02 storage
  transactions (DESIGN §4), and a shared bucket would add a read and a write to every poll. So a client
  gets up to *n* times the per-instance rate with *n* instances, and *n* is at most the Bicep's
  `maximumInstanceCount` (20): a flooding client gets at most 20 × 20 polls/s across the app, each
  answered from the shared ≤ 1 s state (no storage work of its own), and is refused with 429 by each
  instance it reaches once that instance's bucket is empty. The per-unit poll limit likewise.

**Who is a client.** The first address of `X-Forwarded-For`, which Azure's front ends set to the
caller's address (the port they append is dropped). A Python function is not given the socket's
address; a request without the header did not come through a front end (the dev host, tests and
benchmarks on loopback) and gets the per-unit limits only. A caller can put any address first in its
own `X-Forwarded-For` when the front end appends to it rather than replaces it: that only spreads one
caller over several per-client buckets, while the per-unit limits still bound what any set of callers
can do to a unit, and the limits are short (seconds to a minute), so naming someone else's address
costs that person little. Several people behind one NAT share a client: the per-client numbers leave
room for a family or an office, not for a bot.

**The numbers.** Per client: 10 joins at once, then one every 6 s; 60 polls at once, then 20 a second
(a page polls at most every 2 s, as its answers say); at most 10 active tickets (pending, waiting,
called) per client. Per unit (from its `limits.maxWaiting`, *W*): *W* joins at once (at least 50), then
as many a minute; polls 2·*W* a second (at least 100), bursts of twice that: the unit's own citizens
polling at the page's pace never reach it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import azure.functions as func

from domain.config import UnitConfig
from domain.errors import RateLimitedError
from domain.ratelimit import Buckets, Rate, retry_after
from domain.tickets import TicketId

JOIN = "join"
POLL = "poll"
KINDS: Mapping[tuple[str, str], str] = {
    ("POST", "units/{unit}/tickets"): JOIN,
    ("GET", "tickets/{ticket}"): POLL,
}

log = logging.getLogger("balcao.limits")

PER_CLIENT = {JOIN: Rate(10, 1 / 6), POLL: Rate(60, 20)}
MAX_ACTIVE_PER_CLIENT = 10
PENDING_GRACE_S = 60.0  # a ticket accepted this recently counts as active without looking


def per_unit(kind: str, unit: UnitConfig) -> Rate:
    waiting = max(1, unit.limits.max_waiting)
    if kind == JOIN:
        return Rate(max(50, waiting), max(50, waiting) / 60)
    sustained = max(100, 2 * waiting)
    return Rate(2 * sustained, sustained)


def applies(method: str, route: str) -> bool:
    return (method.upper(), route) in KINDS


def client_address(headers: Mapping[str, str]) -> str | None:
    """The caller's address from `X-Forwarded-For` (first entry, port dropped), or None."""
    forwarded = (headers.get("x-forwarded-for") or "").split(",")[0].strip()
    if not forwarded:
        return None
    if forwarded.startswith("["):  # [2001:db8::1]:443
        return forwarded[1:].split("]")[0].lower() or None
    if forwarded.count(":") == 1:  # 203.0.113.7:50123
        forwarded = forwarded.split(":")[0]
    return forwarded.lower()[:64] or None


@dataclass(frozen=True)
class Decision:
    kind: str
    client: str | None
    unit: UnitConfig | None


class SharedLimits(Protocol):
    """Limits kept where every instance sees them (adapters/limits_table.py)."""

    def bucket(self, key: str, rate: Rate, count: int = 1) -> tuple[int, float]: ...

    def held(self, client: str) -> list[tuple[str, float]]: ...

    def hold(self, client: str, ticket_id: str) -> None: ...


def unit_lease(rate: Rate) -> int:
    """Join tokens of a unit an instance takes at once: a tenth of the burst, 1 to 10."""
    return max(1, min(10, int(rate.capacity) // 10))


class Limiter:
    """The buckets of one worker, and the shared ones for joins when `shared` is given (in Azure and
    under the dev host). `check` before the handler, `accepted` after a join was accepted."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, shared: SharedLimits | None = None
    ) -> None:
        self._clock = clock
        self._shared = shared
        self._clients = Buckets()
        self._units = Buckets(max_keys=10_000)
        self._active: OrderedDict[str, list[tuple[str, float]]] = OrderedDict()
        self._leased: dict[str, int] = {}  # unit id -> join tokens taken from the shared bucket, unspent
        self._lock = threading.Lock()

    def check(
        self,
        kind: str,
        client: str | None,
        unit: UnitConfig | None,
        is_live: Callable[[str], bool],
    ) -> None:
        """Raise RateLimitedError when this request is over a limit. `is_live(ticket_id)` tells whether
        a ticket the client holds is still active (only asked for tickets older than a minute)."""
        now = self._clock()
        if client is not None:
            with self._lock:
                wait = self._clients.take(f"{kind}|{client}", PER_CLIENT[kind], now)
            if wait:
                raise RateLimitedError(_CLIENT_TEXT[kind], retry_after=retry_after(wait))
        if unit is not None:
            with self._lock:
                wait = self._units.take(f"{kind}|{unit.id}", per_unit(kind, unit), now)
            if wait:
                raise RateLimitedError(_UNIT_TEXT[kind], retry_after=retry_after(wait))
        if kind == JOIN and self._shared is not None:
            self._check_shared(client, unit)
        if kind == JOIN and client is not None and self.active(client, is_live) >= MAX_ACTIVE_PER_CLIENT:
            raise RateLimitedError(
                f"Este endereço de rede já tem {MAX_ACTIVE_PER_CLIENT} senhas ativas. Aguarde o atendimento "
                "de uma delas ou saia da fila antes de pegar outra.",
                retry_after=60,
            )

    def _check_shared(self, client: str | None, unit: UnitConfig | None) -> None:
        """The join buckets every instance shares (this instance's own let the request through)."""
        shared = self._shared
        assert shared is not None
        if client is not None:
            taken, wait = shared.bucket(f"{JOIN}|client|{client}", PER_CLIENT[JOIN])
            if not taken:
                raise RateLimitedError(_CLIENT_TEXT[JOIN], retry_after=retry_after(wait))
        if unit is None:
            return
        with self._lock:
            left = self._leased.get(unit.id, 0)
            if left:
                self._leased[unit.id] = left - 1
                return
        rate = per_unit(JOIN, unit)
        taken, wait = shared.bucket(f"{JOIN}|unit|{unit.id}", rate, unit_lease(rate))
        if not taken:
            raise RateLimitedError(_UNIT_TEXT[JOIN], retry_after=retry_after(wait))
        with self._lock:
            self._leased[unit.id] = self._leased.get(unit.id, 0) + taken - 1

    def active(self, client: str, is_live: Callable[[str], bool]) -> int:
        """Active tickets of `client`: those given less than a minute ago, and the older ones still
        waiting or called. From storage when shared (every instance's joins), else this worker's."""
        if self._shared is not None:
            wall = time.time()
            held = self._shared.held(client)
            return sum(1 for t, at in held if wall - at < PENDING_GRACE_S or is_live(t))
        now = self._clock()
        with self._lock:
            held = list(self._active.get(client, []))
        kept = [(t, at) for t, at in held if now - at < PENDING_GRACE_S or is_live(t)]
        with self._lock:
            if kept:
                self._active[client] = kept
                self._active.move_to_end(client)
            else:
                self._active.pop(client, None)
        return len(kept)

    def accepted(self, client: str | None, ticket_id: str) -> None:
        if client is None:
            return
        if self._shared is not None:
            try:
                self._shared.hold(client, ticket_id)
            except Exception:  # the ticket is accepted: answer 202 even if the cap's record failed
                log.warning("the ticket given to a client could not be recorded for its cap")
            return
        with self._lock:
            self._active.setdefault(client, []).append((ticket_id, self._clock()))
            self._active.move_to_end(client)
            while len(self._active) > 100_000:
                self._active.popitem(last=False)


_CLIENT_TEXT = {
    JOIN: "Muitas entradas na fila a partir deste endereço. Aguarde um pouco e tente novamente.",
    POLL: "Muitas consultas a partir deste endereço. Aguarde um pouco e tente novamente.",
}
_UNIT_TEXT = {
    JOIN: "Muitas pessoas estão entrando na fila desta unidade agora. Tente novamente em instantes.",
    POLL: "Muitas consultas a esta unidade agora. Tente novamente em instantes.",
}


def unit_id_of(kind: str, route_params: Mapping[str, str]) -> str:
    if kind == JOIN:
        return route_params.get("unit", "")
    try:
        return TicketId.parse(route_params.get("ticket", "")).unit_id
    except Exception:  # a malformed id: the handler answers it
        return ""


def joined_ticket(response: func.HttpResponse) -> str:
    """The ticket id of an accepted join (202), else ""."""
    if response.status_code != 202:
        return ""
    try:
        body = json.loads(response.get_body())
    except ValueError:
        return ""
    return str(body.get("ticketId", "")) if isinstance(body, dict) else ""
