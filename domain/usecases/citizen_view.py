"""The citizen's view of a ticket (a poll): status, position, people ahead, wait estimate, the meeting
link once called; and leaving the line.

A poll reads the shared, ≤ 1 s old state (`QueueStore.peek`): it costs no storage transaction while the
ticket waits or is called. Other statuses (pending, finished...) read the ticket itself. A poll is also
a sign of life (`note_seen`): an absent citizen whose page polls again is back in line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain import polling
from domain.config import UnitConfig
from domain.errors import AlreadyInQueueError, InvalidTransitionError, QueueFullError
from domain.ordering import CLASS_LABELS, Policy
from domain.queue import QueueState, WaitEstimate, display_number, estimate_wait, service_seconds
from domain.tickets import Action, Status, TicketId
from domain.times import from_ms, ms
from domain.usecases.admission import UNIT_CLOSED
from domain.usecases.context import Context
from domain.usecases.ticket_moves import tombstone, transition_ticket
from domain.usecases.unit_day import ticket_day

LIVE_STATUSES = frozenset({Status.WAITING, Status.ABSENT, Status.CALLED, Status.IN_SERVICE})
REJECTION_TEXT = {
    UNIT_CLOSED: "A unidade encerrou o atendimento antes de sua entrada na fila.",
    AlreadyInQueueError.code: AlreadyInQueueError.default_message,
    QueueFullError.code: QueueFullError.default_message,
}
STATUS_MESSAGES = {
    Status.CLOSED: "A unidade encerrou o atendimento de hoje antes de chegar a sua vez.",
    Status.EXPIRED: "Sua senha expirou porque a página ficou sem acompanhar a fila por muito tempo.",
    Status.NO_SHOW: "Você foi chamado(a), mas não entrou no atendimento a tempo.",
    Status.LEFT: "Você saiu da fila.",
}
WITH_ALTERNATIVES = frozenset({Status.CLOSED, Status.REJECTED, Status.EXPIRED, Status.NO_SHOW})


@dataclass(frozen=True)
class UnitRef:
    id: str
    name: str

    @staticmethod
    def of(unit: UnitConfig) -> UnitRef:
        return UnitRef(unit.id, unit.name)


@dataclass(frozen=True)
class MeetingLink:
    status: str  # pending | ready | failed
    join_url: str | None


@dataclass(frozen=True)
class InLine:
    """Waiting (or absent, the place kept)."""

    status: Status
    display_number: str
    position: int | None
    people_ahead: int | None
    people_waiting: int
    estimated_wait: WaitEstimate
    clerks_online: int
    priority: str
    poll_after_seconds: int  # when the page should ask again (domain/polling.py)


@dataclass(frozen=True)
class BeingServed:
    """Called (or in service): the meeting link once it is ready."""

    status: Status
    display_number: str
    called_at: datetime
    people_waiting: int
    meeting: MeetingLink
    poll_after_seconds: int


@dataclass(frozen=True)
class NotYetAdmitted:
    people_waiting: int
    poll_after_seconds: int


@dataclass(frozen=True)
class Handle:
    """What the citizen follows next (the ticket a transfer made, the appointment that replaced one):
    its id and its token."""

    id: str
    token: str


@dataclass(frozen=True)
class Outcome:
    """Out of the line (finished, left, expired, rejected...): what happened, and what to do now."""

    status: Status
    display_number: str | None
    message: str | None = None
    transferred_to: Handle | None = None
    survey_answered: bool | None = None
    alternatives: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Reachability:
    """How the citizen is told off the page (issue 13): the channels, whether any works, near the front
    (position ≤ the unit's `nearFrontPosition`), "Estou aqui" said, and a channel dropped because it
    answered "gone" (the page offers to subscribe again)."""

    notice_channels: tuple[str, ...] = ()
    reachable: bool = False
    near_front: bool = False
    here_confirmed: bool = False
    channel_lost: str | None = None


@dataclass(frozen=True)
class TicketView:
    ticket_id: str
    unit: UnitRef
    state: InLine | BeingServed | NotYetAdmitted | Outcome
    reach: Reachability = Reachability()


def ticket_view(ctx: Context, ticket_id: str, token: str, now: datetime) -> TicketView:
    """What the citizen's page shows (module docstring)."""
    tid = TicketId.parse(ticket_id)
    ctx.keys.verify(ticket_id, token)
    unit = ctx.unit(tid.unit_id)
    day = ticket_day(tid)
    head = (ticket_id, UnitRef.of(unit))
    state = ctx.store.peek(unit.id, day)
    live = live_view(state, unit, tid.short)
    stored = None
    if live is None:
        stored = ctx.store.get_ticket(ticket_id)
        if stored is not None and Status(stored["status"]) in LIVE_STATUSES:
            # The ticket changed after our cached copy of the state was read: read it again.
            state = ctx.store.peek(unit.id, day, max_age_s=0.0)
            live = live_view(state, unit, tid.short)
    if live is None:
        return TicketView(*head, stored_view(ctx, stored, state, unit))
    note_seen(ctx, unit.id, day, tid.short, now)
    if live.status == Status.ABSENT:  # they came back within the grace period
        transition_ticket(ctx, tid, Action.RETURN, "citizen", now, reason="voltou a acompanhar a fila")
        state = ctx.store.peek(unit.id, day, max_age_s=0.0)
        live = live_view(state, unit, tid.short) or live
    return TicketView(*head, live, reachability(ctx, state, unit, tid.short, live))


def reachability(
    ctx: Context, state: QueueState, unit: UnitConfig, short: str, live: InLine | BeingServed
) -> Reachability:
    reach = state.reach_of(short)
    position = live.position if isinstance(live, InLine) else None
    limit = ctx.config().notices_for(unit).near_front_position
    return Reachability(
        tuple(reach.channels),
        reach.reachable,
        position is not None and position <= limit,
        bool(reach.here_ms),
        reach.lost or None,
    )


def refused_poll(ctx: Context, ticket_id: str, token: str, now: datetime) -> None:
    """A poll refused by a rate limit (429) is still a sign of life when its token is valid: a phone
    that retries too fast is there (DESIGN §6). The token is an HMAC (no read); the sighting costs what
    a served poll's does (a heartbeat write once per flush period). Raises what `verify` raises."""
    tid = TicketId.parse(ticket_id)
    ctx.keys.verify(ticket_id, token)
    note_seen(ctx, tid.unit_id, ticket_day(tid), tid.short, now)


def note_seen(ctx: Context, unit_id: str, day: str, key: str, now: datetime) -> None:
    """Remember a sighting (a poll, a console refresh); written down once per flush period."""
    due = ctx.sightings.seen(unit_id, day, key, ms(now))
    if due is not None:
        ctx.store.write_heartbeat(unit_id, day, ctx.worker_id, due)


def live_view(state: QueueState, unit: UnitConfig, short: str) -> InLine | BeingServed | None:
    waiting = state.waiting_count()
    called = state.called.get(short)
    if called is not None:
        return BeingServed(
            Status.IN_SERVICE if called.started_ms else Status.CALLED,
            called.display,
            from_ms(called.called_ms),
            waiting,
            MeetingLink(called.meeting, called.join_url or None),
            polling.called_poll_s(unit.limits, bool(called.started_ms)),
        )
    entry = state.find(short)
    if entry is None:
        return None
    position = shared_positions(state, unit.ordering.policy()).get(short)
    default_s = unit.limits.default_service_min * 60
    eta = estimate_wait((position or waiting + 1) - 1, state, default_s)
    clerks = state.clerks_online()
    return InLine(
        Status.ABSENT if entry.absent_since_ms else Status.WAITING,
        display_number(entry),
        position,
        (position - 1) if position else None,
        waiting,
        eta,
        clerks,
        CLASS_LABELS[entry.klass],
        polling.waiting_poll_s(unit.limits, position, clerks, service_seconds(state, default_s)),
    )


def stored_view(
    ctx: Context, stored: Mapping[str, Any] | None, state: QueueState, unit: UnitConfig
) -> NotYetAdmitted | Outcome:
    if stored is None:  # signed by us, not admitted yet
        return NotYetAdmitted(state.waiting_count(), unit.limits.poll_near_s)
    status = Status(stored["status"])
    message = STATUS_MESSAGES.get(status)
    if status == Status.REJECTED:
        message = REJECTION_TEXT.get(stored.get("rejectedReason", ""), "Entrada recusada.")
    transferred = None
    if status == Status.TRANSFERRED and stored.get("transferredTo"):
        new_id = str(stored["transferredTo"])
        transferred = Handle(new_id, ctx.keys.sign(new_id))
    return Outcome(
        status,
        stored.get("display") or None,
        message,
        transferred,
        bool(stored.get("surveyed")) if status == Status.DONE else None,
        tuple(unit.alternatives) if status in WITH_ALTERNATIVES else None,
    )


def shared_positions(state: QueueState, policy: Policy) -> dict[str, int]:
    """Positions are computed once per state version and shared by every poll that reads it (the
    peeked state is shared). Polls run in parallel: the version and its positions are published
    together, in one assignment."""
    cached: tuple[int, dict[str, int]] | None = state.__dict__.get("_positions")
    if cached is None or cached[0] != state.version:
        cached = (state.version, state.positions(policy))
        state.__dict__["_positions"] = cached
    return cached[1]


def leave(ctx: Context, ticket_id: str, token: str, now: datetime) -> None:
    """Leave the line, from wherever the ticket stands; idempotent. A ticket not admitted yet (its join
    request still queued) gets a tombstone, so its admission skips it: leaving always works."""
    tid = TicketId.parse(ticket_id)
    ctx.keys.verify(ticket_id, token)
    if ctx.store.get_ticket(ticket_id) is None and tombstone(ctx, tid, now, erased=False):
        return
    try:
        transition_ticket(ctx, tid, Action.LEAVE, "citizen", now)
    except InvalidTransitionError:
        stored = ctx.store.get_ticket(ticket_id)
        if stored is None or stored.get("status") != Status.LEFT.value:
            raise  # finished, no-show...: too late to leave
