"""The attendance's meeting (the `meeting-requests` queue): created through the unit's provider when
the clerk calls the citizen, its link published on the ticket, the clerks told. Idempotent: providers
key the meeting on the ticket id, so a retry (or an appointment's meeting made ahead of time, with the
same id) yields the same meeting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.config import UnitConfig
from domain.errors import ProviderError, TransientProviderError
from domain.ordering import CLASS_LABELS
from domain.ports import Meeting, MeetingRequest
from domain.queue import Called, QueueState
from domain.tickets import TicketId, TicketWrite
from domain.times import iso_utc
from domain.usecases.citizen_notices import queue_if_reachable
from domain.usecases.colleagues import invite_interpreter_if_asked
from domain.usecases.context import Context
from domain.usecases.notices import clerk_name, send_notice
from domain.usecases.unit_day import mutate, ticket_day

GONE, READY, FAILED = "gone", "ready", "failed"


@dataclass(frozen=True)
class MeetingFailure:
    reason: str  # pt-BR, shown to the clerks


def open_meeting(
    ctx: Context, unit: UnitConfig, meeting_for: str, display: str, starts_at: datetime, last_try: bool
) -> Meeting | MeetingFailure:
    """The meeting of an attendance or appointment (`meeting_for`, its id: providers are idempotent on
    it) from the unit's provider, or why it could not be made. A failure worth retrying is raised again
    for the queue to retry, unless this is the last try."""
    provider = ctx.meetings.get(unit.meeting.provider)
    request = MeetingRequest(
        meeting_for, unit.id, unit.name, display, unit.meeting.provider, unit.meeting.organizer, starts_at
    )
    try:
        if provider is None:
            raise ProviderError(f"Provedor de reunião não configurado: {unit.meeting.provider}")
        return provider.create(request)
    except TransientProviderError:
        if not last_try:
            raise
        return MeetingFailure("O serviço de reuniões não respondeu após várias tentativas.")
    except ProviderError as exc:
        return MeetingFailure(exc.message)


def meeting_fields(meeting: Meeting) -> dict[str, str]:
    """What a ticket or an appointment records of its meeting once it is ready."""
    return {
        "meetingStatus": READY,
        "joinUrl": meeting.join_url,
        "clerkJoinUrl": meeting.clerk_join_url or "",
        "meetingId": meeting.meeting_id,
        "meetingProvider": meeting.provider,
    }


def attach_meeting(
    ctx: Context, ticket_id: str, now: datetime, last_try: bool, clock: Callable[[], datetime] | None = None
) -> str:
    """Create (or get) the attendance's meeting and publish its link. Idempotent.

    A provider failure is retried by the queue; on the last try the ticket is marked "meeting failed"
    (visible to the clerk, who can retry) and the clerks are told. Returns the meeting status."""
    tid = TicketId.parse(ticket_id)
    unit = ctx.unit(tid.unit_id)
    called = _called(ctx, unit.id, tid)
    if called is None:
        return GONE  # finished, requeued or left meanwhile: nothing to do
    if called.meeting == READY:
        notify_called(ctx, unit, ticket_id, called)  # a replay: make sure the card went out
        invite_interpreter_if_asked(ctx, unit, ticket_id, called.clerk, now)
        return READY
    meeting = open_meeting(ctx, unit, ticket_id, called.display, now, last_try)
    if isinstance(meeting, MeetingFailure):
        return meeting_failed(ctx, unit, tid, meeting.reason)
    ready_at = clock() if clock is not None else now  # when the link existed (for the 2-second promise)

    def change(st: QueueState) -> tuple[Called | None, list[TicketWrite]]:
        current = st.called.get(tid.short)
        if current is None:
            return None, []
        current.join_url, current.meeting = meeting.join_url, READY
        return current, [
            TicketWrite(ticket_id, {**meeting_fields(meeting), "meetingReadyAt": iso_utc(ready_at)})
        ]

    updated = mutate(ctx, unit.id, ticket_day(tid), change)
    if updated is None:
        return GONE
    notify_called(ctx, unit, ticket_id, updated, meeting)
    invite_interpreter_if_asked(ctx, unit, ticket_id, updated.clerk, now)
    return READY


def _called(ctx: Context, unit_id: str, tid: TicketId) -> Called | None:
    """The ticket's call, from this worker's last copy of the state (no read: the commit that follows
    is guarded by its ETag); read fresh when that copy does not show the call, which may be stale."""
    day = ticket_day(tid)
    called = ctx.store.load_for_change(unit_id, day)[0].called.get(tid.short)
    return called if called is not None else ctx.store.load(unit_id, day)[0].called.get(tid.short)


def meeting_failed(ctx: Context, unit: UnitConfig, tid: TicketId, why: str) -> str:
    ticket_id = str(tid)

    def change(st: QueueState) -> tuple[Called | None, list[TicketWrite]]:
        current = st.called.get(tid.short)
        if current is None:
            return None, []
        current.meeting = FAILED
        return current, [TicketWrite(ticket_id, {"meetingStatus": FAILED, "meetingError": why})]

    failed = mutate(ctx, unit.id, ticket_day(tid), change)
    if failed is not None:
        send_notice(
            ctx, "meeting_failed", unit.id, f"failed.{tid.short}.{failed.called_ms}", ticket_id, error=why
        )
        state = ctx.store.load_for_change(unit.id, ticket_day(tid))[0]
        queue_if_reachable(ctx, state, "meeting_retry", ticket_id, f"retry.{tid.short}.{failed.called_ms}")
    return FAILED


def notify_called(
    ctx: Context, unit: UnitConfig, ticket_id: str, called: Called, meeting: Meeting | None = None
) -> None:
    """The clerks' card for a call. With the meeting at hand the message carries the card's fields (its
    delivery reads nothing); without it (a replay) the delivery reads them from the ticket. No role,
    reason or name: the console keeps the details (a Teams channel is out of the purge's reach)."""
    tid = TicketId.parse(ticket_id)
    key = f"called.{tid.short}.{called.called_ms}"
    # issue 13: the citizen's notice on every channel, once the link exists (this worker's copy: no read)
    queue_if_reachable(ctx, ctx.store.load_for_change(unit.id, ticket_day(tid))[0], "called", ticket_id, key)
    if meeting is None:
        send_notice(ctx, "citizen_called", unit.id, key, ticket_id)
        return
    send_notice(
        ctx,
        "citizen_called",
        unit.id,
        key,
        ticket_id,
        display_number=called.display,
        priority=CLASS_LABELS[called.entry.klass],
        clerk_name=clerk_name(ctx, called.clerk),
        join_url=meeting.join_url,
        clerk_join_url=meeting.clerk_join_url or "",
    )
