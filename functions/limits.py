"""Abuse limits of the public API: every public write (joining, booking, messages, surveys) and polling,
per client and per unit; active tickets per client.

Enforced by `endpoint` (functions/http_common.py) around the handler, answering 429 problem+json with
`Retry-After` (domain.errors.RateLimitedError). Only the routes in `LIMITED` are limited. In two steps
(issue 16): the client's own bucket in memory (`screen`, free) first; then, only for a request that
passed the cheap checks (a join's body and rules, a poll's token: an HMAC, no read), the unit's buckets,
the shared ones and the cap (`charge`). A refused request spends nobody else's budget, and a flood of
made-up tokens cannot make a unit's real citizens' polls fail.

**Across instances** (Flex Consumption runs many, and one caller's requests reach any of them):

- *Joins, bookings and messages* hold per client across instances, in Table Storage
  (adapters/limits_table.py): the per-client buckets and the per-client cap on active tickets are
  exact; the per-unit join bucket is taken in leases of up to 10 tokens that an instance spends in
  memory (at most that many tokens per instance are spent later than taken, none beyond the bucket).
  Each instance's own buckets shed a flood first, for free: only requests they let through cost
  storage. Cost of a join from a client address: the client bucket (a read and a write), its tickets
  (a read; a read and a write once accepted), a tenth to a fifth of a unit lease (a read and a
  write); `make bench` prints the measured figure. A join already costs storage work (its queue
  message, its admission), so this is affordable; bookings and messages are rarer still.
- *Polls and surveys* are limited in each instance's memory only: a citizen's poll must stay at ~0.02
  storage transactions (DESIGN §4), and a shared bucket would add a read and a write to every poll. So
  a client gets up to *n* times the per-instance rate with *n* instances, and *n* is at most the Bicep's
  `maximumInstanceCount` (20): a flooding client gets at most 20 × 20 polls/s across the app, each
  answered from the shared ≤ 1 s state (no storage work of its own), and is refused with 429 by each
  instance it reaches once that instance's bucket is empty. The per-unit poll limit likewise, charged
  only for polls that carry the ticket's own token.

**Who is a client** (`client_address`). The address Azure's front end saw: the *last*
`X-Forwarded-For` entry, the one the front end appends (whatever the caller wrote before it is
ignored), normalised with `ipaddress` (a port dropped, `203.0.113.005` is not an address, an
IPv4-mapped IPv6 address counts as IPv4), IPv6 grouped by /64 (a subscriber gets a whole /64). An entry
that is not an address is one client, `unparsed`. A Python function is not given the socket's address;
a request without the header did not come through a front end (the dev host, tests and benchmarks on
loopback) and gets the per-unit limits only. Several people behind one NAT share a client: the
per-client numbers leave room for a family or an office, not for a bot.

**The numbers.** Per client: 10 joins at once, then one every 6 s; 60 polls at once, then 20 a second
(a page polls at most every 2 s, as its answers say); 5 bookings or reschedules, then one every 2
minutes, and at most 3 appointments booked and not yet come per client, a *count* kept in storage
(`check_bookings`: 35 bookings no longer take a unit's agenda, nor does one every few minutes; a
citizen who cancels may book again at once); 5 messages, then one every 2 minutes; 10 survey answers,
then one every 6 s; 10 changes of the notice channels or "Estou aqui", then one every 6 s (in each
instance's memory, like surveys); 20 proof-of-work challenges, then one every 3 s (functions/proof.py;
in memory); 30 messages of the widget's conversation, then one a second (in memory; a message that joins
is charged as a join too); at most 10 active tickets (pending, waiting, called) per client.
Per unit (from its `limits.maxWaiting`, *W*): joins, a third of *W* at once (at least 10), then as
many a minute, well below the line's cap, so no set of addresses fills the line in one burst; polls
2·*W* a second (at least 100), bursts of twice that: the unit's own citizens polling at the page's pace
never reach it.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import azure.functions as func

from domain.config import UnitConfig
from domain.errors import RateLimitedError
from domain.ratelimit import Buckets, Rate, retry_after
from domain.tickets import TicketId
from functions.operations import method_and_route

JOIN = "join"
POLL = "poll"
BOOK = "book"
MESSAGE = "message"
SURVEY = "survey"
NOTICES = "notices"
CHALLENGE = "challenge"  # a proof-of-work challenge (functions/proof.py): in memory, like polls
CONVERSATION = "conversation"  # a message of the widget's conversation (its join charges JOIN too)
LIMITED: Mapping[str, tuple[str, ...]] = {  # each kind's routes, "METHOD route" as `@bp.http` declares them
    JOIN: ("POST units/{unit}/tickets",),
    POLL: ("GET tickets/{ticket}",),
    BOOK: ("POST units/{unit}/appointments", "POST tickets/{ticket}/appointment/reschedule"),
    MESSAGE: ("POST units/{unit}/messages",),
    SURVEY: ("POST tickets/{ticket}/survey",),
    NOTICES: ("PUT tickets/{ticket}/notices", "POST tickets/{ticket}/here"),
    CHALLENGE: ("GET units/{unit}/challenge",),
    CONVERSATION: ("POST conversa",),
}


KINDS: Mapping[tuple[str, str], str] = {
    method_and_route(r): kind for kind, routes in LIMITED.items() for r in routes
}
SHARED_PER_CLIENT = frozenset({JOIN, BOOK, MESSAGE})  # held in storage: exact across instances

log = logging.getLogger("balcao.limits")

PER_CLIENT = {
    JOIN: Rate(10, 1 / 6),
    POLL: Rate(60, 20),
    BOOK: Rate(5, 1 / 120),  # bookings and reschedules; the cap is the count of active bookings (3)
    MESSAGE: Rate(5, 1 / 120),
    SURVEY: Rate(10, 1 / 6),
    NOTICES: Rate(10, 1 / 6),  # choosing channels, "Estou aqui": a few times per wait
    CHALLENGE: Rate(20, 1 / 3),  # a page asks one per join or booking, again when one expires
    CONVERSATION: Rate(30, 1),  # a citizen answers a question every few seconds
}
MAX_ACTIVE_PER_CLIENT = 10
MAX_CLIENTS_KEPT = 100_000  # clients a worker remembers in memory (when limits are not shared)
MAX_ACTIVE_BOOKINGS_PER_CLIENT = 3  # a count, not a rate: booked appointments not yet come (issue 16)
BOOKING = method_and_route("POST units/{unit}/appointments")  # a new booking: the count is checked
BOOKED = frozenset(map(method_and_route, LIMITED[BOOK]))  # a booking or a reschedule: either books one
PENDING_GRACE_S = 60.0  # a ticket accepted this recently counts as active without looking


def per_unit(kind: str, unit: UnitConfig) -> Rate | None:
    """A unit's bucket for `kind` (None: per client only). Joins: a third of the line's cap at once
    (at least 10), then as many a minute, so no set of callers fills the line in one burst."""
    waiting = max(1, unit.limits.max_waiting)
    if kind == JOIN:
        burst = max(10, waiting // 3)
        return Rate(burst, burst / 60)
    if kind != POLL:
        return None
    sustained = max(100, 2 * waiting)
    return Rate(2 * sustained, sustained)


def applies(method: str, route: str) -> bool:
    return (method.upper(), route) in KINDS


def client_address(headers: Mapping[str, str]) -> str | None:
    """The caller, as the platform saw it: the last `X-Forwarded-For` entry (the one Azure's front end
    appends; whatever a caller writes before it is ignored), port dropped, normalised (`ipaddress`:
    `203.0.113.005` is not an address), an IPv4-mapped IPv6 address as IPv4, IPv6 grouped by /64 (one
    subscriber gets a whole /64). An entry that is not an address is one client, `unparsed`. None
    without the header (not through a front end: the dev host, tests)."""
    entries = [e.strip() for e in (headers.get("x-forwarded-for") or "").split(",") if e.strip()]
    if not entries:
        return None
    raw = entries[-1]
    if raw.startswith("["):  # [2001:db8::1]:443
        raw = raw[1:].split("]")[0]
    elif raw.count(":") == 1:  # 203.0.113.7:50123
        raw = raw.split(":")[0]
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return UNPARSED
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


UNPARSED = "unparsed"


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

    def held_bookings(self, client: str) -> list[str]: ...

    def hold_booking(self, client: str, appointment_id: str, until: float) -> None: ...

    def level(self, key: str, rate: Rate) -> float: ...

    def spend(self, token: str, expires: float) -> bool: ...


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
        self._bookings: OrderedDict[str, list[tuple[str, float]]] = OrderedDict()  # without `shared`
        self._proofs: dict[str, float] = {}  # spent challenges, without `shared`
        self._asking: dict[str, float] = {}  # unit id -> until when proofs are asked (functions/proof.py)
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
        self.screen(kind, client)
        self.charge(kind, client, unit, is_live)

    def screen(self, kind: str, client: str | None) -> None:
        """The client's own bucket in this worker's memory: free, so it comes before any validation."""
        if client is None:
            return
        with self._lock:
            wait = self._clients.take(f"{kind}|{client}", PER_CLIENT[kind], self._clock())
        if wait:
            raise RateLimitedError(_CLIENT_TEXT[kind], retry_after=retry_after(wait))

    def charge(
        self,
        kind: str,
        client: str | None,
        unit: UnitConfig | None,
        is_live: Callable[[str], bool],
        proved: bool = False,
    ) -> None:
        """The unit's buckets, the shared ones and the active-ticket cap: charged only for a request
        that passed the cheap validation (a refused request spends nobody else's budget). A request
        with a valid proof of work (`proved`, functions/proof.py) spares the unit's buckets only."""
        rate = per_unit(kind, unit) if unit is not None and not proved else None
        if unit is not None and rate is not None:
            with self._lock:
                wait = self._units.take(f"{kind}|{unit.id}", rate, self._clock())
            if wait:
                raise RateLimitedError(_UNIT_TEXT[kind], retry_after=retry_after(wait))
        if kind in SHARED_PER_CLIENT and self._shared is not None:
            self._check_shared(kind, client, unit if kind == JOIN and not proved else None)
        if kind == JOIN and client is not None and self.active(client, is_live) >= MAX_ACTIVE_PER_CLIENT:
            raise RateLimitedError(
                f"Este endereço de rede já tem {MAX_ACTIVE_PER_CLIENT} senhas ativas. Aguarde o atendimento "
                "de uma delas ou saia da fila antes de pegar outra.",
                retry_after=60,
            )

    def _check_shared(self, kind: str, client: str | None, unit: UnitConfig | None) -> None:
        """The buckets every instance shares (this instance's own let the request through)."""
        shared = self._shared
        assert shared is not None
        if client is not None:
            taken, wait = shared.bucket(f"{kind}|client|{client}", PER_CLIENT[kind])
            if not taken:
                raise RateLimitedError(_CLIENT_TEXT[kind], retry_after=retry_after(wait))
        if unit is None:
            return
        with self._lock:
            left = self._leased.get(unit.id, 0)
            if left:
                self._leased[unit.id] = left - 1
                return
        rate = per_unit(JOIN, unit)
        assert rate is not None
        taken, wait = shared.bucket(f"{JOIN}|unit|{unit.id}", rate, unit_lease(rate))
        if not taken:
            raise RateLimitedError(_UNIT_TEXT[JOIN], retry_after=retry_after(wait))
        with self._lock:
            self._leased[unit.id] = self._leased.get(unit.id, 0) + taken - 1

    def spent(self, kind: str, client: str | None, unit: UnitConfig | None) -> tuple[float, float]:
        """(how much of the unit's join bucket is spent, how much of the client's own bucket for `kind`
        is), each 0..1, taking nothing: the unit's from the shared bucket when there is one (the copy
        this instance last saw), else this instance's; the client's from this instance's memory."""
        now = self._clock()
        client_spent = 0.0
        if client is not None:
            with self._lock:
                client_spent = 1 - self._clients.level(f"{kind}|{client}", PER_CLIENT[kind], now)
        rate = per_unit(JOIN, unit) if unit is not None else None
        if unit is None or rate is None:
            return 0.0, client_spent
        if self._shared is not None:
            return 1 - self._shared.level(f"{JOIN}|unit|{unit.id}", rate), client_spent
        with self._lock:
            return 1 - self._units.level(f"{JOIN}|{unit.id}", rate, now), client_spent

    def keep_asking(self, unit_id: str, for_s: float) -> None:
        """Ask for proofs at `unit_id` for `for_s` seconds from now (a flood refills no free pass)."""
        with self._lock:
            self._asking[unit_id] = self._clock() + for_s

    def asking(self, unit_id: str) -> bool:
        with self._lock:
            return self._asking.get(unit_id, float("-inf")) > self._clock()

    def spend_proof(self, signature: str, expires: float) -> bool:
        """Record a solved challenge as used: True the first time, False for a replay. In storage when
        shared (every instance refuses the replay), else in this worker's memory."""
        if self._shared is not None:
            return self._shared.spend(f"proof|{signature}", expires)
        wall = time.time()
        with self._lock:
            for old in [s for s, until in self._proofs.items() if until < wall]:
                del self._proofs[old]
            if signature in self._proofs:
                return False
            self._proofs[signature] = expires
            return True

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
        self._remember(self._active, client, (ticket_id, self._clock()))

    def check_bookings(self, client: str | None, is_booked: Callable[[str], bool]) -> None:
        """Refuse a new booking from a client that already holds `MAX_ACTIVE_BOOKINGS_PER_CLIENT`
        appointments still booked (every instance's, when shared): a count in storage, so a slow bot
        cannot take a unit's agenda one booking every ten minutes either."""
        if client is None:
            return
        if self._shared is not None:
            held = self._shared.held_bookings(client)
        else:
            wall = time.time()
            with self._lock:
                held = [a for a, until in self._bookings.get(client, []) if until > wall]
        if sum(1 for appointment_id in held if is_booked(appointment_id)) >= MAX_ACTIVE_BOOKINGS_PER_CLIENT:
            raise RateLimitedError(
                f"Este endereço de rede já tem {MAX_ACTIVE_BOOKINGS_PER_CLIENT} agendamentos marcados. "
                "Cancele um deles ou espere a data de um deles passar antes de agendar outro.",
                retry_after=600,
            )

    def booked(self, client: str | None, appointment_id: str, until: float) -> None:
        """Record an appointment given to `client`, held for the count until its time (`until`, wall)."""
        if client is None:
            return
        if self._shared is not None:
            try:
                self._shared.hold_booking(client, appointment_id, until)
            except Exception:  # the appointment is booked: answer 201 even if the count's record failed
                log.warning("the appointment given to a client could not be recorded for its cap")
            return
        self._remember(self._bookings, client, (appointment_id, until))

    def _remember(
        self, held: OrderedDict[str, list[tuple[str, float]]], client: str, item: tuple[str, float]
    ) -> None:
        """This worker's own record of what `client` holds (without shared storage), most recent
        clients kept, at most MAX_CLIENTS_KEPT."""
        with self._lock:
            held.setdefault(client, []).append(item)
            held.move_to_end(client)
            while len(held) > MAX_CLIENTS_KEPT:
                held.popitem(last=False)


_CLIENT_TEXT = {
    JOIN: "Muitas entradas na fila a partir deste endereço. Aguarde um pouco e tente novamente.",
    POLL: "Muitas consultas a partir deste endereço. Aguarde um pouco e tente novamente.",
    BOOK: "Muitos agendamentos a partir deste endereço. Aguarde alguns minutos e tente novamente.",
    MESSAGE: "Muitas mensagens a partir deste endereço. Aguarde alguns minutos e tente novamente.",
    SURVEY: "Muitas respostas a partir deste endereço. Aguarde um pouco e tente novamente.",
    CHALLENGE: "Muitos pedidos de verificação a partir deste endereço. Aguarde um pouco e tente novamente.",
    CONVERSATION: "Muitas mensagens a partir deste endereço. Aguarde um pouco e tente novamente.",
}
_UNIT_TEXT = {
    JOIN: "Muitas pessoas estão entrando na fila desta unidade agora. Tente novamente em instantes.",
    POLL: "Muitas consultas a esta unidade agora. Tente novamente em instantes.",
}


def unit_id_of(kind: str, route_params: Mapping[str, str]) -> str:
    if "unit" in route_params:
        return route_params.get("unit", "")
    try:
        return TicketId.parse(route_params.get("ticket", "")).unit_id
    except Exception:  # a malformed id: the handler answers it
        return ""


def joined_ticket(response: func.HttpResponse) -> str:
    """The ticket id of an accepted join (202), else ""."""
    return str(_answer(response, 202).get("ticketId", ""))


def booked_appointment(response: func.HttpResponse) -> tuple[str, float] | None:
    """(appointment id, its start in wall seconds) of an accepted booking or reschedule (201)."""
    body = _answer(response, 201)
    try:
        return str(body["appointmentId"]), datetime.fromisoformat(str(body["startsAt"])).timestamp()
    except (KeyError, ValueError):
        return None


def _answer(response: func.HttpResponse, status: int) -> dict[str, object]:
    if response.status_code != status:
        return {}
    try:
        body = json.loads(response.get_body())
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
