"""What a clerk does to the line: call the next citizen (by the law's order) or a specific one (saying
why), start, finish, mark a no-show, requeue, transfer, and say whether they are online.

A call is atomic (one transaction guarded by the unit-day state's ETag): two clerks never get the same
citizen. Every call that is not the head of the line records why (DESIGN §6).

The call's meeting: a provider that makes its links without the network (`offline`: Jitsi, local) makes
it inside the call's own transaction, which the state needs anyway (the link is in the state and the
ticket as soon as the call is committed, and the clerks' card is queued at once); any other (Teams
through Graph) is asked for through the `meeting-requests` queue (domain/usecases/meetings.py), as is an
offline provider that refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from domain.auth import Principal
from domain.config import UnitConfig
from domain.errors import InvalidInputError, InvalidTransitionError, ProviderError, TicketNotFoundError
from domain.ordering import CLASS_LABELS, Entry
from domain.people import CLERK_REASON_MAX
from domain.ports import MEETING_QUEUE, Meeting, MeetingRequest
from domain.queue import (
    CLERK_STATUSES,
    PASSED_PRIORITY,
    Called,
    QueueState,
    display_number,
    order_reason,
    passes_priority,
)
from domain.rollups import order_reason_category
from domain.tickets import Action, Status, TicketId, TicketWrite, move
from domain.times import iso_utc, ms
from domain.usecases.citizen_notices import sweep_near_front
from domain.usecases.colleagues import invite_interpreter_if_asked
from domain.usecases.context import Context
from domain.usecases.meetings import READY, meeting_fields, notify_called
from domain.usecases.ticket_moves import clerk_ticket, transition_ticket
from domain.usecases.unit_day import mutate, service_day, ticket_day
from domain.validation import clean_text

CLERK_ACTIONS = frozenset({Action.START, Action.FINISH, Action.NO_SHOW, Action.REQUEUE, Action.TRANSFER})


@dataclass(frozen=True)
class CallResult:
    ticket_id: str
    display_number: str
    priority: str
    out_of_order_reason: str


def clerk_reason(reason: str) -> str:
    return clean_text(reason, field="reason", label="o motivo", max_len=CLERK_REASON_MAX, required=False)


def call_next(ctx: Context, unit_id: str, clerk: Principal, now: datetime, category: str = "") -> CallResult:
    """Call the head of the line (by the unit's policy) atomically; then ask for a meeting."""
    unit = ctx.unit(unit_id)
    clerk.require_clerk(unit.id)
    policy = unit.ordering.policy()

    def change(state: QueueState) -> tuple[Calling, list[TicketWrite]]:
        entry = state.next_to_call(policy, category)
        made = call_entry(state, unit, entry, clerk, now, order_reason(state, entry, category))
        return with_meeting(ctx, unit, state, *made, now)

    return after_call(ctx, unit, mutate(ctx, unit.id, service_day(unit, now), change), now)


def call_ticket(
    ctx: Context, unit_id: str, ticket_id: str, clerk: Principal, now: datetime, reason: str = ""
) -> CallResult:
    """Call a specific ticket. When it is not the head of the line the clerk must say why."""
    unit, tid = clerk_ticket(ctx, unit_id, ticket_id, clerk)
    reason = clerk_reason(reason)
    policy = unit.ordering.policy()

    def change(state: QueueState) -> tuple[Calling, list[TicketWrite]]:
        entry = state.find(tid.short)
        if entry is None:
            if tid.short in state.called:
                raise InvalidTransitionError("Esta senha já foi chamada.")
            raise TicketNotFoundError("Esta senha não está aguardando na fila.")
        order = state.order(policy)
        is_head = bool(order) and order[0].short == entry.short
        if not is_head and not reason:
            raise InvalidInputError(
                "Informe o motivo para chamar fora da ordem da fila.",
                fields={"reason": "obrigatório quando a senha não é a próxima da fila"},
            )
        why = order_reason(state, entry, "") if is_head else f"servidor: {reason}"
        if not is_head and passes_priority(state, entry):
            why = f"{why} — {PASSED_PRIORITY}"
        return with_meeting(ctx, unit, state, *call_entry(state, unit, entry, clerk, now, why), now)

    return after_call(ctx, unit, mutate(ctx, unit.id, ticket_day(tid), change), now)


@dataclass(frozen=True)
class Calling:
    """A call as committed: its answer, and its state entry (with the meeting, when made offline)."""

    result: CallResult
    called: Called
    meeting: Meeting | None = None  # made offline in the call's own transaction


def with_meeting(
    ctx: Context,
    unit: UnitConfig,
    state: QueueState,
    result: CallResult,
    writes: list[TicketWrite],
    now: datetime,
) -> tuple[Calling, list[TicketWrite]]:
    """The call's change, with its meeting when the unit's provider makes it offline (module docstring)."""
    called = state.called[TicketId.parse(result.ticket_id).short]
    try:
        provider = ctx.meetings.get(unit.meeting.provider)
    except Exception:  # cannot be built (settings missing): the meeting queue's handler reports it
        provider = None
    if provider is None or not provider.offline:
        return Calling(result, called), writes
    request = MeetingRequest(
        result.ticket_id,
        unit.id,
        unit.name,
        result.display_number,
        unit.meeting.provider,
        unit.meeting.organizer,
        now,
    )
    try:
        meeting = provider.create(request)
    except ProviderError:
        return Calling(result, called), writes  # the meeting queue's handler tries again and reports
    called.join_url, called.meeting = meeting.join_url, READY
    fields = {**writes[0].fields, **meeting_fields(meeting), "meetingReadyAt": iso_utc(now)}
    return Calling(result, called, meeting), [replace(writes[0], fields=fields), *writes[1:]]


def after_call(ctx: Context, unit: UnitConfig, calling: Calling, now: datetime) -> CallResult:
    """Once the call is committed: the clerks' card (and the Libras interpreter's invitation, when the
    citizen asked for one) when the meeting is ready, else ask for the meeting (whose handler does both)."""
    if calling.called.meeting == READY:
        notify_called(ctx, unit, calling.result.ticket_id, calling.called, calling.meeting)
        invite_interpreter_if_asked(ctx, unit, calling.result.ticket_id, calling.called.clerk, now)
    else:
        ctx.bus.send(MEETING_QUEUE, {"ticketId": calling.result.ticket_id})
    sweep_near_front(ctx, unit, ticket_day(TicketId.parse(calling.result.ticket_id)), now)
    return calling.result


def call_entry(
    state: QueueState, unit: UnitConfig, entry: Entry, clerk: Principal, now: datetime, reason: str
) -> tuple[CallResult, list[TicketWrite]]:
    """Take `entry` out of the line as called by `clerk` (the change of a call)."""
    ticket_id = f"{unit.id}.{state.day}.{entry.short}"
    display = display_number(entry)
    current = Status.ABSENT if entry.absent_since_ms else Status.WAITING
    wait_s = max(0, (ms(now) - entry.arrived_ms) // 1000)
    data: dict[str, int | str] = {"waitSeconds": wait_s, "klass": int(entry.klass)}
    if passes_priority(state, entry):  # the rule that passed a priority person, for the compliance report
        data["passedPriority"] = order_reason_category(reason)
    write = move(
        ticket_id,
        current,
        Action.CALL,
        now,
        clerk.email,
        reason,
        data,
        fields={
            "calledAt": iso_utc(now),
            "calledBy": clerk.email,
            "callReason": reason,
            "meetingStatus": "pending",
            "waitSeconds": wait_s,
        },
    )
    state.call(entry.short, clerk.email, ms(now), unit.ordering.policy(), display)
    state.set_clerk(clerk.email, "online", ms(now))
    return CallResult(ticket_id, display, CLASS_LABELS[entry.klass], reason), [write]


@dataclass(frozen=True)
class ClerkMove:
    """What a clerk asks of a ticket: the action, why (optional), and a transfer's target unit."""

    action: Action
    reason: str = ""
    target_unit: str = ""


def clerk_action(
    ctx: Context, unit_id: str, ticket_id: str, asked: ClerkMove, clerk: Principal, now: datetime
) -> Status:
    """start / finish / no-show / requeue / transfer on a called (or no-show) ticket."""
    unit, tid = clerk_ticket(ctx, unit_id, ticket_id, clerk)
    if asked.action not in CLERK_ACTIONS:
        raise InvalidTransitionError("Ação não permitida ao(à) servidor(a).")
    if asked.action == Action.TRANSFER:
        target = ctx.unit(asked.target_unit)
        if not target.active or target.id == unit.id:
            raise InvalidInputError(
                "Escolha outra unidade ativa para a transferência.", fields={"targetUnit": "unidade inválida"}
            )
    reason = clerk_reason(asked.reason)
    return transition_ticket(
        ctx, tid, asked.action, clerk.email, now, reason=reason, target_unit=asked.target_unit
    )


def set_presence(ctx: Context, unit_id: str, clerk: Principal, status: str, now: datetime) -> None:
    unit = ctx.unit(unit_id)
    clerk.require_clerk(unit.id)
    if status not in CLERK_STATUSES:
        raise InvalidInputError("Situação inválida.", fields={"status": "use online, paused ou offline"})

    def change(state: QueueState) -> tuple[None, list[TicketWrite]]:
        state.set_clerk(clerk.email, status, ms(now))
        return None, []

    mutate(ctx, unit.id, service_day(unit, now), change)


def retry_meeting(ctx: Context, unit_id: str, ticket_id: str, clerk: Principal, now: datetime) -> None:
    """The clerk's "try again" after a failed meeting."""
    unit, tid = clerk_ticket(ctx, unit_id, ticket_id, clerk)

    def change(st: QueueState) -> tuple[None, list[TicketWrite]]:
        current = st.called.get(tid.short)
        if current is None:
            raise InvalidTransitionError("Esta senha não está chamada.")
        current.meeting = "pending"
        return None, [TicketWrite(ticket_id, {"meetingStatus": "pending", "meetingError": ""})]

    mutate(ctx, unit.id, ticket_day(tid), change)
    ctx.bus.send(MEETING_QUEUE, {"ticketId": ticket_id})
