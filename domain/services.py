"""Use cases of the Balcão Virtual. Each takes the time as an argument and talks to ports only.

Changes to a unit's queue go through `_mutate`: read the unit-day state with its ETag, apply a pure
change, commit it with the ticket writes in one transaction, and start again if someone else committed
first. That is what makes two clerks never get the same citizen.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from domain.auth import Principal
from domain.config import Configuration, UnitConfig
from domain.errors import (
    AlreadyInQueueError,
    ConcurrentUpdateError,
    ConflictError,
    InvalidInputError,
    InvalidTransitionError,
    ProviderError,
    QueueFullError,
    TicketNotFoundError,
    TransientProviderError,
    UnitClosedError,
    UnitNotFoundError,
)
from domain.ordering import CLASS_LABELS, Entry, PriorityClass, classify
from domain.ports import (
    Calendar,
    ClerkNotifier,
    DuplicateTicketError,
    MeetingProvider,
    MeetingRequest,
    MessageBus,
    Notification,
    QueueStore,
    TicketWrite,
)
from domain.presence import PresenceBuffer
from domain.queue import CLERK_STATUSES, Called, QueueState, estimate_wait, ms
from domain.tickets import Action, Status, TicketEvent, TicketId, next_status
from domain.tokens import KeyRing
from domain.validation import clean_text, normalize_oab, normalize_process_number, person_fingerprint

JOIN_QUEUE = "join-requests"
MEETING_QUEUE = "meeting-requests"
NOTIFY_QUEUE = "notifications"
ROLES = {"parte": "Parte", "advogado": "Advogado(a)", "outro": "Outro"}

T = TypeVar("T")


@dataclass
class Services:
    """Everything the use cases need, built once by the composition root."""

    config: Callable[[], Configuration]
    store: QueueStore
    bus: MessageBus
    keys: KeyRing
    calendar_for: Callable[[UnitConfig], Calendar]
    meetings: Mapping[str, MeetingProvider] = field(default_factory=dict)
    notifier: ClerkNotifier | None = None
    webhook_url_for: Callable[[UnitConfig], str | None] = lambda _unit: None
    public_base_url: str = ""
    always_open: bool = False
    max_attempts: int = 60
    presence: PresenceBuffer = field(default_factory=PresenceBuffer)
    worker_id: str = field(default_factory=lambda: secrets.token_hex(4))
    _locks: dict[tuple[str, str], threading.Lock] = field(default_factory=dict, repr=False)
    _locks_guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def partition_lock(self, unit_id: str, day: str) -> threading.Lock:
        """Requests of one worker to the same unit-day take turns: the ETag guards against other
        workers, and this keeps a worker's own threads from wasting round trips on conflicts."""
        with self._locks_guard:
            return self._locks.setdefault((unit_id, day), threading.Lock())

    def unit(self, unit_id: str) -> UnitConfig:
        unit = self.config().unit(unit_id)
        if unit is None:
            raise UnitNotFoundError()
        return unit

    def principal(self, email: str) -> Principal:
        return Principal.from_staff(email, self.config())


def service_day(unit: UnitConfig, now: datetime) -> str:
    return now.astimezone(ZoneInfo(unit.timezone)).strftime("%Y%m%d")


def _iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat().replace("+00:00", "Z")


def _now_iso(now: datetime) -> str:
    return now.astimezone(UTC).isoformat().replace("+00:00", "Z")


class NoChange(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a change function that found nothing to do: `_mutate` returns `result` unwritten."""

    def __init__(self, result: Any = None) -> None:
        super().__init__()
        self.result = result


def _mutate(
    svc: Services, unit_id: str, day: str, change: Callable[[QueueState], tuple[T, list[TicketWrite]]]
) -> T:
    """Optimistic concurrency loop around one unit-day state (see module docstring)."""
    for attempt in range(svc.max_attempts):
        with svc.partition_lock(unit_id, day):
            state, etag = svc.store.load(unit_id, day)
            try:
                result, writes = change(state)
            except NoChange as nothing:
                return nothing.result  # type: ignore[no-any-return]
            state.version += 1
            try:
                svc.store.commit(state, etag, writes)
                return result
            except ConcurrentUpdateError:
                pass
        time.sleep(random.uniform(0, min(0.2, 0.005 * 2 ** min(attempt, 6))))
    raise ConcurrentUpdateError()


# ------------------------------------------------------------------------------------------------
# Joining


@dataclass(frozen=True)
class JoinInput:
    name: str
    role: str
    reason: str
    consent: bool
    oab_number: str = ""
    oab_state: str = ""
    process_number: str = ""
    category: str = ""
    priority: tuple[str, ...] = ()
    companions: int = 0


@dataclass(frozen=True)
class JoinAccepted:
    ticket_id: str
    token: str
    status_url: str
    unit_id: str


def validate_join(unit: UnitConfig, data: JoinInput) -> dict[str, Any]:
    """The join request as it will be stored, or InvalidInputError naming every bad field."""
    problems: dict[str, str] = {}
    out: dict[str, Any] = {}

    def check(fn: Callable[[], Any], key: str) -> None:
        try:
            out[key] = fn()
        except InvalidInputError as exc:
            problems.update(exc.fields or {key: exc.message})

    check(lambda: clean_text(data.name, field="name", label="seu nome", max_len=120, required=True), "name")
    if data.role not in ROLES:
        problems["role"] = "escolha parte, advogado ou outro"
    out["role"] = data.role
    if data.role == "advogado":
        check(lambda: normalize_oab(data.oab_number, data.oab_state), "oab")
    if data.process_number.strip():
        check(lambda: normalize_process_number(data.process_number), "processNumber")
    if data.reason not in {r.id for r in unit.reasons}:
        problems["reason"] = "escolha um dos assuntos da lista"
    out["reason"] = data.reason
    categories = {c.id for c in unit.service_categories}
    if categories and data.category not in categories:
        problems["category"] = "escolha o tipo de atendimento"
    out["category"] = data.category if categories else ""
    check(lambda: classify(data.priority), "priority")
    out["grounds"] = sorted(set(data.priority))
    if not 0 <= data.companions <= 3:
        problems["companions"] = "no máximo 3 acompanhantes"
    out["companions"] = data.companions
    if not data.consent:
        problems["consent"] = "é preciso concordar com o uso dos dados para o atendimento"
    if problems:
        first = next(iter(problems))
        raise InvalidInputError(f"Verifique os dados informados ({first}).", fields=problems)
    return out


def check_open(svc: Services, unit: UnitConfig, now: datetime) -> None:
    if not unit.active:
        raise UnitClosedError("Esta unidade não está atendendo pelo Balcão Virtual.")
    if svc.always_open:
        return
    calendar = svc.calendar_for(unit)
    if not calendar.is_open(now):
        opening = calendar.next_opening(now)
        when = (
            opening.astimezone(ZoneInfo(unit.timezone)).strftime("%d/%m/%Y às %Hh%M")
            if opening
            else "sem data prevista"
        )
        raise UnitClosedError(
            f"A unidade está fechada agora. Próxima abertura: {when} (horário local da unidade).",
            next_opening=opening,
            alternatives=list(unit.alternatives),
        )


def accept_join(svc: Services, unit_id: str, data: JoinInput, now: datetime) -> JoinAccepted:
    """Validate, check the unit is open and has room, sign a token, and enqueue the request."""
    unit = svc.unit(unit_id)
    clean = validate_join(unit, data)
    check_open(svc, unit, now)
    day = service_day(unit, now)
    oab = clean.get("oab", ("", ""))
    person = svc.keys.fingerprint(f"{unit.id}|{person_fingerprint(clean['name'], data.role, ''.join(oab))}")
    state = svc.store.peek(unit.id, day)
    if state.closed:
        raise UnitClosedError(
            "A fila de hoje desta unidade já foi encerrada.", alternatives=list(unit.alternatives)
        )
    if person in state.persons():
        raise AlreadyInQueueError()
    if state.waiting_count() >= unit.limits.max_waiting:
        raise QueueFullError()
    ticket_id = str(TicketId.new(unit.id, datetime.strptime(day, "%Y%m%d").date()))
    svc.bus.send(
        JOIN_QUEUE,
        {
            "ticketId": ticket_id,
            "arrivedMs": ms(now),
            "person": person,
            "name": clean["name"],
            "role": data.role,
            "oabNumber": oab[0],
            "oabState": oab[1],
            "processNumber": clean.get("processNumber", ""),
            "reason": clean["reason"],
            "category": clean["category"],
            "grounds": clean["grounds"],
            "companions": clean["companions"],
        },
    )
    return JoinAccepted(
        ticket_id=ticket_id,
        token=svc.keys.sign(ticket_id),
        status_url=f"{svc.public_base_url}/api/tickets/{ticket_id}",
        unit_id=unit.id,
    )


# ------------------------------------------------------------------------------------------------
# Admission (join-requests queue)


def display_number(unit: UnitConfig, entry: Entry) -> str:
    """Gapless per unit and day; prefixed by the service category's initial when the unit has several."""
    return f"{entry.category[:1].upper()}{entry.seq:03d}"


def admit(svc: Services, requests: Iterable[Mapping[str, Any]], now: datetime) -> dict[str, str]:
    """Admit join requests, per unit-day, in entity-group transactions (≤ 49 tickets each, plus the
    state). Replays are recognised by the ticket already existing. Returns ticket id → status."""
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for req in requests:
        tid = TicketId.parse(str(req["ticketId"]))
        groups[(tid.unit_id, f"{tid.day:%Y%m%d}")].append(req)
    outcome: dict[str, str] = {}
    for (unit_id, day), reqs in groups.items():
        reqs.sort(key=lambda r: (int(r["arrivedMs"]), str(r["ticketId"])))
        for i in range(0, len(reqs), 49):
            outcome.update(_admit_chunk(svc, unit_id, day, reqs[i : i + 49], now))
    return outcome


def _admit_chunk(
    svc: Services, unit_id: str, day: str, reqs: list[Mapping[str, Any]], now: datetime
) -> dict[str, str]:
    unit = svc.config().unit(unit_id)
    already: set[str] = set()

    def change(state: QueueState) -> tuple[dict[str, str], list[TicketWrite]]:
        known = {e.short for e in state.line} | set(state.called)
        persons = state.persons()
        writes: list[TicketWrite] = []
        result: dict[str, str] = {}
        for req in reqs:
            ticket_id = str(req["ticketId"])
            short = TicketId.parse(ticket_id).short
            if short in known or ticket_id in already:
                result[ticket_id] = "duplicate"
                continue
            fields = _ticket_fields(req)
            if unit is None or state.closed:
                writes.append(_reject(ticket_id, fields, "unidade-fechada", now))
            elif req["person"] in persons:
                writes.append(_reject(ticket_id, fields, AlreadyInQueueError.code, now))
            elif state.waiting_count() >= unit.limits.max_waiting:
                writes.append(_reject(ticket_id, fields, QueueFullError.code, now))
            else:
                entry = state.admit(
                    Entry(
                        short=short,
                        klass=classify(req.get("grounds", ())),
                        arrived_ms=int(req["arrivedMs"]),
                        seq=0,
                        category=str(req.get("category", "")),
                        companions=int(req.get("companions", 0)),
                        person=str(req["person"]),
                    )
                )
                persons.add(entry.person)
                fields.update(
                    status=Status.WAITING.value,
                    seq=entry.seq,
                    display=display_number(unit, entry),
                    priorityClass=int(entry.klass),
                    admittedAt=_now_iso(now),
                )
                writes.append(
                    TicketWrite(
                        ticket_id,
                        fields,
                        create=True,
                        event=TicketEvent(
                            ticket_id,
                            Action.ADMIT,
                            Status.WAITING,
                            now,
                            "system",
                            data={
                                "klass": int(entry.klass),
                                "role": fields["role"],
                                "reason": fields["reason"],
                                "position": state.positions(unit.ordering.policy()).get(short, 0),
                            },
                        ),
                    )
                )
            result[ticket_id] = str(writes[-1].fields["status"])
        return result, writes

    while True:
        try:
            return _mutate(svc, unit_id, day, change)
        except DuplicateTicketError as dup:  # a replay: this one was admitted by an earlier delivery
            already.add(dup.ticket_id)


def _ticket_fields(req: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": req["name"],
        "role": req["role"],
        "oabNumber": req.get("oabNumber", ""),
        "oabState": req.get("oabState", ""),
        "processNumber": req.get("processNumber", ""),
        "reason": req["reason"],
        "category": req.get("category", ""),
        "grounds": json.dumps(list(req.get("grounds", []))),
        "companions": int(req.get("companions", 0)),
        "arrivedAt": _iso(int(req["arrivedMs"])),
        "transferredFrom": req.get("transferredFrom", ""),
        "person": req.get("person", ""),
    }


def _reject(ticket_id: str, fields: dict[str, Any], why: str, now: datetime) -> TicketWrite:
    fields.update(status=Status.REJECTED.value, rejectedReason=why, display="")
    return TicketWrite(
        ticket_id,
        fields,
        create=True,
        event=TicketEvent(ticket_id, Action.REJECT, Status.REJECTED, now, "system", why),
    )


# ------------------------------------------------------------------------------------------------
# The citizen's view


REJECTION_TEXT = {
    "unidade-fechada": "A unidade encerrou o atendimento antes de sua entrada na fila.",
    AlreadyInQueueError.code: AlreadyInQueueError.default_message,
    QueueFullError.code: QueueFullError.default_message,
}


def ticket_view(svc: Services, ticket_id: str, token: str, now: datetime) -> dict[str, Any]:
    """Status, position, people ahead, wait estimate and the meeting link once called.

    Reads the shared, ≤ 1 s old state: a poll costs no storage transaction while the ticket waits or is
    called. Other statuses (pending, finished...) read the ticket itself."""
    tid = TicketId.parse(ticket_id)
    svc.keys.verify(ticket_id, token)
    unit = svc.unit(tid.unit_id)
    day = f"{tid.day:%Y%m%d}"
    head: dict[str, Any] = {"ticketId": ticket_id, "unit": {"id": unit.id, "name": unit.name}}
    state = svc.store.peek(unit.id, day)
    live = _live_view(state, unit, tid.short)
    if live is not None:
        note_seen(svc, unit.id, day, tid.short, now)
        if live["status"] == Status.ABSENT.value:  # they came back within the grace period
            _transition_ticket(svc, tid, Action.RETURN, "citizen", now, "voltou a acompanhar a fila")
            live = _live_view(svc.store.peek(unit.id, day, max_age_s=0.0), unit, tid.short) or live
        return {**head, **live}
    stored = svc.store.get_ticket(ticket_id)
    if stored is not None and Status(stored["status"]) in LIVE_STATUSES:
        # The ticket changed after our cached copy of the state was read: read it again.
        state = svc.store.peek(unit.id, day, max_age_s=0.0)
        live = _live_view(state, unit, tid.short)
        if live is not None:
            return {**head, **live}
    return {**head, **_stored_view(svc, stored, state, unit)}


LIVE_STATUSES = frozenset({Status.WAITING, Status.ABSENT, Status.CALLED, Status.IN_SERVICE})


def note_seen(svc: Services, unit_id: str, day: str, key: str, now: datetime) -> None:
    """Remember a sighting (a poll, a console refresh); written down once per flush period."""
    due = svc.presence.seen(unit_id, day, key, ms(now))
    if due is not None:
        svc.store.write_heartbeat(unit_id, day, svc.worker_id, due)


def _live_view(state: QueueState, unit: UnitConfig, short: str) -> dict[str, Any] | None:
    waiting = state.waiting_count()
    called = state.called.get(short)
    if called is not None:
        return {
            "status": (Status.IN_SERVICE if called.started_ms else Status.CALLED).value,
            "displayNumber": called.display,
            "calledAt": _iso(called.called_ms),
            "peopleWaiting": waiting,
            "meeting": {"status": called.meeting, "joinUrl": called.join_url or None},
        }
    entry = state.find(short)
    if entry is None:
        return None
    position = _positions(state, unit).get(short)
    eta = estimate_wait((position or waiting + 1) - 1, state, unit.limits.default_service_min * 60)
    return {
        "status": (Status.ABSENT if entry.absent_since_ms else Status.WAITING).value,
        "displayNumber": display_number(unit, entry),
        "position": position,
        "peopleAhead": (position - 1) if position else None,
        "peopleWaiting": waiting,
        "estimatedWait": {"minMinutes": eta.low_min, "maxMinutes": eta.high_min, "basis": eta.basis},
        "clerksOnline": state.clerks_online(),
        "priority": CLASS_LABELS[entry.klass],
    }


def _stored_view(
    svc: Services, stored: Mapping[str, Any] | None, state: QueueState, unit: UnitConfig
) -> dict[str, Any]:
    if stored is None:  # signed by us, not admitted yet
        return {"status": Status.PENDING.value, "peopleWaiting": state.waiting_count()}
    status = Status(stored["status"])
    view: dict[str, Any] = {"status": status.value, "displayNumber": stored.get("display") or None}
    if status == Status.REJECTED:
        view["message"] = REJECTION_TEXT.get(stored.get("rejectedReason", ""), "Entrada recusada.")
    if status == Status.TRANSFERRED and stored.get("transferredTo"):
        new_id = stored["transferredTo"]
        view["transferredTo"] = {
            "ticketId": new_id,
            "token": svc.keys.sign(new_id),
            "statusUrl": f"{svc.public_base_url}/api/tickets/{new_id}",
        }
    if status == Status.DONE:
        view["surveyAnswered"] = bool(stored.get("surveyed"))
    if status in STATUS_MESSAGES:
        view["message"] = STATUS_MESSAGES[status]
    if status in (Status.CLOSED, Status.REJECTED, Status.EXPIRED, Status.NO_SHOW):
        view["alternatives"] = list(unit.alternatives)
    return view


STATUS_MESSAGES = {
    Status.CLOSED: "A unidade encerrou o atendimento de hoje antes de chegar a sua vez.",
    Status.EXPIRED: "Sua senha expirou porque a página ficou sem acompanhar a fila por muito tempo.",
    Status.NO_SHOW: "Você foi chamado(a), mas não entrou no atendimento a tempo.",
    Status.LEFT: "Você saiu da fila.",
}


def _positions(state: QueueState, unit: UnitConfig) -> dict[str, int]:
    """Positions are computed once per state version and shared by every poll that reads it. Polls run
    in parallel: the version and its positions are published together, in one assignment."""
    cached: tuple[int, dict[str, int]] | None = state.__dict__.get("_positions")
    if cached is None or cached[0] != state.version:
        cached = (state.version, state.positions(unit.ordering.policy()))
        state.__dict__["_positions"] = cached
    return cached[1]


def view_etag(view: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(view, sort_keys=True, default=str).encode()).hexdigest()[:20]
    return f'"{digest}"'


def leave(svc: Services, ticket_id: str, token: str, now: datetime) -> None:
    tid = TicketId.parse(ticket_id)
    svc.keys.verify(ticket_id, token)
    _transition_ticket(svc, tid, Action.LEAVE, "citizen", now)


# ------------------------------------------------------------------------------------------------
# Clerk actions


@dataclass(frozen=True)
class CallResult:
    ticket_id: str
    display_number: str
    priority: str
    out_of_order_reason: str


def call_next(svc: Services, unit_id: str, clerk: Principal, now: datetime, category: str = "") -> CallResult:
    """Call the head of the line (by the unit's policy) atomically; then ask for a meeting."""
    unit = svc.unit(unit_id)
    clerk.require_clerk(unit.id)
    policy = unit.ordering.policy()
    day = service_day(unit, now)

    def change(state: QueueState) -> tuple[CallResult, list[TicketWrite]]:
        entry = state.next_to_call(policy, category)
        reason = _order_reason(state, entry, category)
        return _call(state, unit, entry, clerk, now, reason)

    result = _mutate(svc, unit.id, day, change)
    svc.bus.send(MEETING_QUEUE, {"ticketId": result.ticket_id})
    return result


def call_ticket(
    svc: Services, unit_id: str, ticket_id: str, clerk: Principal, now: datetime, reason: str = ""
) -> CallResult:
    """Call a specific ticket. When it is not the head of the line the clerk must say why."""
    unit = svc.unit(unit_id)
    clerk.require_clerk(unit.id)
    tid = TicketId.parse(ticket_id)
    if tid.unit_id != unit.id:
        raise TicketNotFoundError()
    reason = clean_text(reason, field="reason", label="o motivo", max_len=200, required=False)
    policy = unit.ordering.policy()

    def change(state: QueueState) -> tuple[CallResult, list[TicketWrite]]:
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
        why = _order_reason(state, entry, "") if is_head else f"servidor: {reason}"
        return _call(state, unit, entry, clerk, now, why)

    result = _mutate(svc, unit.id, f"{tid.day:%Y%m%d}", change)
    svc.bus.send(MEETING_QUEUE, {"ticketId": result.ticket_id})
    return result


SCHEDULED_REASON = "atendimento agendado"


def _order_reason(state: QueueState, entry: Entry, category: str) -> str:
    """Why this call is not the earliest arrival still waiting ("" when it is). A citizen with an
    appointment (domain/scheduling.py) is always recorded as such."""
    if entry.klass == PriorityClass.SCHEDULED:
        return SCHEDULED_REASON
    earlier = [
        e
        for e in state.line
        if not e.absent_since_ms and (e.arrived_ms, e.seq) < (entry.arrived_ms, entry.seq)
    ]
    if not earlier:
        return ""
    if entry.klass != PriorityClass.NORMAL and any(e.klass > entry.klass for e in earlier):
        return "prioridade legal"
    if category:
        return f"categoria de atendimento: {category}"
    return "política de intercalação"


def _call(
    state: QueueState, unit: UnitConfig, entry: Entry, clerk: Principal, now: datetime, reason: str
) -> tuple[CallResult, list[TicketWrite]]:
    ticket_id = f"{unit.id}.{state.day}.{entry.short}"
    display = display_number(unit, entry)
    state.call(entry.short, clerk.email, ms(now), unit.ordering.policy(), display)
    state.set_clerk(clerk.email, "online", ms(now))
    wait_s = max(0, (ms(now) - entry.arrived_ms) // 1000)
    write = TicketWrite(
        ticket_id,
        {
            "status": Status.CALLED.value,
            "calledAt": _now_iso(now),
            "calledBy": clerk.email,
            "callReason": reason,
            "meetingStatus": "pending",
            "waitSeconds": wait_s,
        },
        event=TicketEvent(
            ticket_id,
            Action.CALL,
            Status.CALLED,
            now,
            clerk.email,
            reason,
            data={"waitSeconds": wait_s, "klass": int(entry.klass)},
        ),
    )
    return CallResult(ticket_id, display, CLASS_LABELS[entry.klass], reason), [write]


def clerk_action(
    svc: Services,
    unit_id: str,
    ticket_id: str,
    action: Action,
    clerk: Principal,
    now: datetime,
    reason: str = "",
    target_unit: str = "",
) -> str:
    """start / finish / no-show / requeue / transfer on a called (or no-show) ticket."""
    unit = svc.unit(unit_id)
    clerk.require_clerk(unit.id)
    tid = TicketId.parse(ticket_id)
    if tid.unit_id != unit.id:
        raise TicketNotFoundError()
    if action == Action.TRANSFER:
        target = svc.unit(target_unit)
        if not target.active or target.id == unit.id:
            raise InvalidInputError(
                "Escolha outra unidade ativa para a transferência.", fields={"targetUnit": "unidade inválida"}
            )
    reason = clean_text(reason, field="reason", label="o motivo", max_len=200, required=False)
    return _transition_ticket(svc, tid, action, clerk.email, now, reason, target_unit)


def _transition_ticket(
    svc: Services,
    tid: TicketId,
    action: Action,
    by: str,
    now: datetime,
    reason: str = "",
    target_unit: str = "",
) -> str:
    unit = svc.unit(tid.unit_id)
    ticket_id = str(tid)
    stored: dict[str, Any] | None = None
    if action in (Action.REQUEUE, Action.TRANSFER):
        stored = svc.store.get_ticket(ticket_id)  # needed to rebuild a no-show's place or to transfer
    new_ticket = ""

    def change(state: QueueState) -> tuple[Status, list[TicketWrite]]:
        nonlocal new_ticket
        called = state.called.get(tid.short)
        entry = state.find(tid.short)
        if called is not None:
            current = Status.IN_SERVICE if called.started_ms else Status.CALLED
        elif entry is not None:
            current = Status.ABSENT if entry.absent_since_ms else Status.WAITING
        elif stored is not None:
            current = Status(stored["status"])
        else:
            fresh = svc.store.get_ticket(ticket_id)
            if fresh is None:
                raise TicketNotFoundError()
            current = Status(fresh["status"])
        new = next_status(current, action)
        fields: dict[str, Any] = {"status": new.value}
        data: dict[str, Any] = {}
        if called is not None and action != Action.START:
            state.take_called(tid.short)
        elif entry is not None and action == Action.RETURN:
            state.remove(tid.short)
            state.restore(entry)  # same place, present again
        elif entry is not None and action != Action.CALL:
            state.remove(tid.short)
        if action == Action.START and called is not None:
            called.started_ms = ms(now)
            fields["startedAt"] = _now_iso(now)
        elif action == Action.FINISH and called is not None:
            duration = (ms(now) - (called.started_ms or called.called_ms)) / 1000
            state.record_service(duration)
            fields.update(finishedAt=_now_iso(now), serviceSeconds=int(duration))
            data["serviceSeconds"] = int(duration)
        elif action == Action.REQUEUE:
            place = called.entry if called is not None else _entry_from(stored)
            state.restore(place)
            fields.update(requeuedAt=_now_iso(now), requeueReason=reason)
        elif action == Action.TRANSFER:
            new_ticket = str(
                TicketId.new(
                    target_unit, datetime.strptime(service_day(svc.unit(target_unit), now), "%Y%m%d").date()
                )
            )
            fields.update(transferredTo=new_ticket, transferReason=reason)
            data["targetUnit"] = target_unit
        elif action in (Action.NO_SHOW, Action.LEAVE):
            fields[f"{action.value}At"] = _now_iso(now)
        return new, [
            TicketWrite(ticket_id, fields, event=TicketEvent(ticket_id, action, new, now, by, reason, data))
        ]

    status = _mutate(svc, unit.id, f"{tid.day:%Y%m%d}", change)
    if action == Action.TRANSFER and stored is not None:
        svc.bus.send(
            JOIN_QUEUE,
            {
                **{
                    k: stored.get(k, "")
                    for k in ("name", "role", "oabNumber", "oabState", "processNumber", "reason", "category")
                },
                "ticketId": new_ticket,
                "arrivedMs": int(datetime.fromisoformat(stored["arrivedAt"]).timestamp() * 1000),
                "person": stored.get("person", ""),
                "grounds": json.loads(stored.get("grounds") or "[]"),
                "companions": int(stored.get("companions", 0)),
                "transferredFrom": ticket_id,
            },
        )
    return status.value


def _entry_from(stored: Mapping[str, Any] | None) -> Entry:
    if stored is None or "seq" not in stored:
        raise TicketNotFoundError()
    return Entry(
        short=TicketId.parse(stored["ticketId"]).short,
        klass=PriorityClass(int(stored["priorityClass"])),
        arrived_ms=int(datetime.fromisoformat(stored["arrivedAt"]).timestamp() * 1000),
        seq=int(stored["seq"]),
        category=stored.get("category", ""),
        companions=int(stored.get("companions", 0)),
        person=stored.get("person", ""),
    )


def set_presence(svc: Services, unit_id: str, clerk: Principal, status: str, now: datetime) -> None:
    unit = svc.unit(unit_id)
    clerk.require_clerk(unit.id)
    if status not in CLERK_STATUSES:
        raise InvalidInputError("Situação inválida.", fields={"status": "use online, paused ou offline"})

    def change(state: QueueState) -> tuple[None, list[TicketWrite]]:
        state.set_clerk(clerk.email, status, ms(now))
        return None, []

    _mutate(svc, unit.id, service_day(unit, now), change)


def clerk_queue(svc: Services, unit_id: str, clerk: Principal, now: datetime) -> dict[str, Any]:
    """The console's view: the line in call order with each citizen's details, and who is called."""
    unit = svc.unit(unit_id)
    clerk.require_clerk(unit.id)
    day = service_day(unit, now)
    note_seen(svc, unit.id, day, f"clerk:{clerk.email}", now)
    state = svc.store.peek(unit.id, day)
    tickets = {TicketId.parse(t["ticketId"]).short: t for t in svc.store.list_tickets(unit.id, day)}
    order = state.order(unit.ordering.policy())
    absent = [e for e in state.line if e.absent_since_ms]

    def describe(entry: Entry) -> dict[str, Any]:
        t = tickets.get(entry.short, {})
        return {
            "ticketId": f"{unit.id}.{day}.{entry.short}",
            "displayNumber": display_number(unit, entry),
            "name": t.get("name", ""),
            "role": t.get("role", ""),
            "oab": _oab_text(t),
            "processNumber": t.get("processNumber", ""),
            "reason": t.get("reason", ""),
            "category": entry.category,
            "priority": CLASS_LABELS[entry.klass],
            "priorityClass": int(entry.klass),
            "grounds": json.loads(t.get("grounds") or "[]"),
            "companions": entry.companions,
            "arrivedAt": _iso(entry.arrived_ms),
            "waitingMinutes": max(0, (ms(now) - entry.arrived_ms) // 60000),
            "absent": bool(entry.absent_since_ms),
        }

    return {
        "unit": {"id": unit.id, "name": unit.name},
        "waiting": [describe(e) for e in order],
        "absent": [describe(e) for e in absent],
        "called": [
            {
                **describe(c.entry),
                "displayNumber": c.display,
                "calledBy": c.clerk,
                "calledAt": _iso(c.called_ms),
                "status": (Status.IN_SERVICE if c.started_ms else Status.CALLED).value,
                "meeting": {
                    "status": c.meeting,
                    "joinUrl": c.join_url or None,
                    "clerkJoinUrl": tickets.get(c.entry.short, {}).get("clerkJoinUrl") or c.join_url or None,
                },
            }
            for c in state.called.values()
        ],
        "clerks": {email: c.status for email, c in state.clerks.items()},
        "me": {
            "email": clerk.email,
            "status": state.clerks.get(clerk.email).status  # type: ignore[union-attr]
            if clerk.email in state.clerks
            else "offline",
        },
    }


def _oab_text(ticket: Mapping[str, Any]) -> str:
    return f"OAB/{ticket['oabState']} {ticket['oabNumber']}" if ticket.get("oabNumber") else ""


# ------------------------------------------------------------------------------------------------
# Meetings (meeting-requests queue) and notifications


def attach_meeting(
    svc: Services, ticket_id: str, now: datetime, last_try: bool, clock: Callable[[], datetime] | None = None
) -> str:
    """Create (or get) the attendance's meeting and publish its link. Idempotent.

    A provider failure is retried by the queue; on the last try the ticket is marked "meeting failed"
    (visible to the clerk, who can retry) and the clerks are told. Returns the meeting status.
    """
    tid = TicketId.parse(ticket_id)
    unit = svc.unit(tid.unit_id)
    day = f"{tid.day:%Y%m%d}"
    state, _ = svc.store.load(unit.id, day)
    called = state.called.get(tid.short)
    if called is None:
        return "gone"  # finished, requeued or left meanwhile: nothing to do
    if called.meeting == "ready":
        _notify_called(svc, unit, ticket_id, called)  # a replay: make sure the card went out
        return "ready"
    provider = svc.meetings.get(unit.meeting.provider)
    try:
        if provider is None:
            raise ProviderError(f"Provedor de reunião não configurado: {unit.meeting.provider}")
        meeting = provider.create(
            MeetingRequest(
                ticket_id=ticket_id,
                unit_id=unit.id,
                unit_name=unit.name,
                display_number=called.display,
                provider=unit.meeting.provider,
                organizer=unit.meeting.organizer,
                starts_at=now,
            )
        )
    except TransientProviderError:
        if not last_try:
            raise
        return _meeting_failed(svc, unit, tid, "O serviço de reuniões não respondeu após várias tentativas.")
    except ProviderError as exc:
        return _meeting_failed(svc, unit, tid, exc.message)
    ready_at = clock() if clock is not None else now  # when the link existed (for the 2-second promise)

    def change(st: QueueState) -> tuple[Called | None, list[TicketWrite]]:
        current = st.called.get(tid.short)
        if current is None:
            return None, []
        current.join_url, current.meeting = meeting.join_url, "ready"
        return current, [
            TicketWrite(
                ticket_id,
                {
                    "meetingStatus": "ready",
                    "meetingReadyAt": _now_iso(ready_at),
                    "joinUrl": meeting.join_url,
                    "meetingId": meeting.meeting_id,
                    "meetingProvider": meeting.provider,
                    "clerkJoinUrl": meeting.clerk_join_url or "",
                },
            )
        ]

    updated = _mutate(svc, unit.id, day, change)
    if updated is None:
        return "gone"
    _notify_called(svc, unit, ticket_id, updated)
    return "ready"


def _meeting_failed(svc: Services, unit: UnitConfig, tid: TicketId, why: str) -> str:
    ticket_id = str(tid)

    def change(st: QueueState) -> tuple[Called | None, list[TicketWrite]]:
        current = st.called.get(tid.short)
        if current is None:
            return None, []
        current.meeting = "failed"
        return current, [TicketWrite(ticket_id, {"meetingStatus": "failed", "meetingError": why})]

    failed = _mutate(svc, unit.id, f"{tid.day:%Y%m%d}", change)
    if failed is not None:
        svc.bus.send(
            NOTIFY_QUEUE,
            {
                "kind": "meeting_failed",
                "unitId": unit.id,
                "ticketId": ticket_id,
                "dedupKey": f"failed.{tid.short}.{failed.called_ms}",
                "error": why,
            },
        )
    return "failed"


def retry_meeting(svc: Services, unit_id: str, ticket_id: str, clerk: Principal, now: datetime) -> None:
    """The clerk's "try again" after a failed meeting."""
    unit = svc.unit(unit_id)
    clerk.require_clerk(unit.id)
    tid = TicketId.parse(ticket_id)

    def change(st: QueueState) -> tuple[None, list[TicketWrite]]:
        current = st.called.get(tid.short)
        if current is None:
            raise InvalidTransitionError("Esta senha não está chamada.")
        current.meeting = "pending"
        return None, [TicketWrite(ticket_id, {"meetingStatus": "pending", "meetingError": ""})]

    _mutate(svc, unit.id, f"{tid.day:%Y%m%d}", change)
    svc.bus.send(MEETING_QUEUE, {"ticketId": ticket_id})


def _notify_called(svc: Services, unit: UnitConfig, ticket_id: str, called: Called) -> None:
    svc.bus.send(
        NOTIFY_QUEUE,
        {
            "kind": "citizen_called",
            "unitId": unit.id,
            "ticketId": ticket_id,
            "dedupKey": f"called.{TicketId.parse(ticket_id).short}.{called.called_ms}",
        },
    )


NOTICE_CLAIM_MS = 120_000  # longer than a send may take (the notifier gives up after 30 s)


def deliver_notifications(svc: Services, messages: Sequence[Mapping[str, Any]], now: datetime) -> int:
    """Render and send notifications to each unit's Teams channel, once per dedup key, whatever worker
    (instance) the message reaches: the key is claimed in storage before the card is sent, marked done
    after, and released when sending fails; a message whose key another worker is sending now is retried
    later (TransientProviderError), when that send has ended one way or the other.

    Returns how many were sent. A unit without a webhook configured is skipped (logged by the caller)."""
    by_unit: dict[str, list[tuple[Mapping[str, Any], Notification]]] = defaultdict(list)
    in_flight = 0
    claimed: set[tuple[str, str]] = set()
    for msg in messages:
        unit = svc.config().unit(str(msg.get("unitId", "")))
        if unit is None or svc.notifier is None:
            continue
        day = service_day(unit, now)
        key = str(msg.get("dedupKey") or "")
        if (unit.id, key) in claimed:
            continue  # the same notice twice in this batch
        if key:
            claimed.add((unit.id, key))
            claim = svc.store.claim_once(unit.id, day, key, ms(now), NOTICE_CLAIM_MS)
            if claim != "claimed":
                in_flight += claim == "busy"
                continue
        by_unit[unit.id].append(
            (
                msg,
                Notification(
                    kind=str(msg["kind"]),
                    unit_id=unit.id,
                    unit_name=unit.name,
                    data=_notification_data(svc, unit, msg),
                    dedup_key=key,
                ),
            )
        )
    sent = 0
    for unit_id, items in by_unit.items():
        unit = svc.unit(unit_id)
        day = service_day(unit, now)
        url = svc.webhook_url_for(unit)
        keys = [note.dedup_key for _, note in items if note.dedup_key]
        if not url or svc.notifier is None:
            _settle(svc, unit.id, day, keys, done=False)
            continue
        try:
            svc.notifier.send(url, [n for _, n in items])
        except Exception:
            _settle(svc, unit.id, day, keys, done=False)
            raise
        _settle(svc, unit.id, day, keys, done=True)
        sent += len(items)
    if in_flight:
        raise TransientProviderError(
            "Outro processo está enviando este aviso; ele será conferido de novo.", reason="in_flight"
        )
    return sent


def _settle(svc: Services, unit_id: str, day: str, keys: Sequence[str], *, done: bool) -> None:
    for key in keys:
        svc.store.settle_once(unit_id, day, key, done)


# Fields the scheduling, asynchronous-channel and colleague cards take from their queue message as they
# are (no citizen data: staff names, times, protocol numbers and meeting links only).
EXTRA_CARD_FIELDS = (
    "starts_at_text",
    "appointment_kind",
    "reason",
    "join_url",
    "clerk_join_url",
    "invitee_name",
    "invitee_role",
    "invited_by",
    "protocol",
    "received_at_text",
    "due_at_text",
    "overdue_text",
)


def _notification_data(svc: Services, unit: UnitConfig, msg: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a card (adapters/cards.py names them); citizen data is read from the ticket, so
    queue messages carry no personal data."""
    data: dict[str, Any] = {"console_url": f"{svc.public_base_url}/servidor.html?unidade={unit.id}"}
    for key in (
        "error",
        "queue",
        "message_id",
        "summary",
        "dequeue_count",
        "waiting_count",
        "minutes_unattended",
        *EXTRA_CARD_FIELDS,
    ):
        if key in msg:
            data[key] = msg[key]
    ticket_id = msg.get("ticketId")
    if ticket_id:
        t = svc.store.get_ticket(str(ticket_id)) or {}
        grounds = json.loads(t.get("grounds") or "[]")
        clerk = t.get("calledBy", "")
        member = next((m for m in svc.config().staff if m.email == clerk), None)
        data.update(
            ticket_id=str(ticket_id),
            display_number=t.get("display", ""),
            citizen_name=t.get("name", ""),
            role=ROLES.get(t.get("role", ""), ""),
            oab=_oab_text(t),
            process_number=t.get("processNumber", ""),
            reason=next((r.label for r in unit.reasons if r.id == t.get("reason")), t.get("reason", "")),
            priority=CLASS_LABELS[classify(grounds)],
            clerk_name=member.name if member else clerk,
            join_url=t.get("joinUrl", ""),
            clerk_join_url=t.get("clerkJoinUrl", ""),
        )
    return data


# ------------------------------------------------------------------------------------------------
# Survey and the unit directory


def submit_survey(svc: Services, ticket_id: str, token: str, score: int, comment: str, now: datetime) -> None:
    tid = TicketId.parse(ticket_id)
    svc.keys.verify(ticket_id, token)
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise InvalidInputError("Dê uma nota de 1 a 5.", fields={"score": "inteiro de 1 a 5"})
    text = clean_text(comment, field="comment", label="o comentário", max_len=1000, required=False)
    stored = svc.store.get_ticket(ticket_id)
    if stored is None or stored.get("status") != Status.DONE.value:
        raise InvalidTransitionError("A pesquisa fica disponível depois do atendimento.")
    if stored.get("surveyed"):
        raise ConflictError("A pesquisa desta senha já foi respondida. Obrigado!")
    svc.store.add_survey(
        ticket_id, {"score": score, "comment": text, "answeredAt": _now_iso(now), "unitId": tid.unit_id}
    )
    svc.store.merge_ticket(ticket_id, {"surveyed": True, "surveyScore": score})


def unit_summary(svc: Services, unit: UnitConfig, now: datetime) -> dict[str, Any]:
    calendar = svc.calendar_for(unit)
    open_now = unit.active and (svc.always_open or calendar.is_open(now))
    opening = None if open_now or not unit.active else calendar.next_opening(now)
    state = svc.store.peek(unit.id, service_day(unit, now), max_age_s=5.0)
    waiting = state.waiting_count() if unit.active else 0
    eta = estimate_wait(waiting, state, unit.limits.default_service_min * 60)
    court = svc.config().court(unit.court)
    return {
        "id": unit.id,
        "name": unit.name,
        "court": {"id": unit.court, "name": court.name if court else ""},
        "section": unit.section,
        "category": unit.category,
        "instance": unit.instance,
        "active": unit.active,
        "openNow": open_now and not state.closed,
        "nextOpening": opening.astimezone(ZoneInfo(unit.timezone)).isoformat() if opening else None,
        "timezone": unit.timezone,
        "hoursText": calendar.hours_text(),
        "peopleWaiting": waiting,
        "clerksOnline": state.clerks_online(),
        "estimatedWait": {"minMinutes": eta.low_min, "maxMinutes": eta.high_min},
        "pageUrl": f"{svc.public_base_url}/?unidade={unit.id}",
        "reasons": [{"id": r.id, "label": r.label} for r in unit.reasons],
        "serviceCategories": [{"id": c.id, "label": c.label} for c in unit.service_categories],
        "alternatives": list(unit.alternatives),
    }


def list_units(
    svc: Services, now: datetime, court: str = "", section: str = "", q: str = ""
) -> list[dict[str, Any]]:
    needle = q.strip().lower()
    out = []
    for unit in svc.config().units:
        if court and unit.court != court:
            continue
        if section and unit.section.lower() != section.lower():
            continue
        if needle and needle not in f"{unit.name} {unit.section} {unit.category} {unit.municipality}".lower():
            continue
        out.append(unit_summary(svc, unit, now))
    return out
