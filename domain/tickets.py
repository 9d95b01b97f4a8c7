"""Tickets (senhas): identity, lifecycle as a table of allowed transitions, and the events they emit.

A ticket id names where the ticket lives: `{unit}.{service day}.{short}`, so a citizen's poll finds the
unit's queue partition without any lookup.

Every change of a ticket's status goes through `TRANSITIONS`: `move` is the one way a use case writes a
status (with its event, committed with the change); anything not in the table is refused with
`InvalidTransitionError`.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from domain.errors import TicketNotFoundError
from domain.lifecycle import Lifecycle

_SHORT_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o/1/l: read aloud without confusion
_TICKET_ID = re.compile(r"^(?P<unit>[a-z0-9][a-z0-9-]{1,62})\.(?P<day>\d{8})\.(?P<short>[a-z2-9]{10})$")


class Status(StrEnum):
    PENDING = "pending"  # accepted by the HTTP function, not yet admitted (only ever virtual)
    WAITING = "waiting"
    ABSENT = "absent"  # connection lost; the place is kept for the grace period
    CALLED = "called"
    IN_SERVICE = "in_service"
    DONE = "done"
    LEFT = "left"
    EXPIRED = "expired"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"
    REJECTED = "rejected"  # refused at admission (queue full, already in the queue)
    CLOSED = "closed"  # the unit closed with the `close_queue` policy


class Action(StrEnum):
    ADMIT = "admit"
    REJECT = "reject"
    CALL = "call"
    START = "start"
    FINISH = "finish"
    LEAVE = "leave"
    MARK_ABSENT = "mark_absent"
    RETURN = "return"
    EXPIRE = "expire"
    NO_SHOW = "no_show"
    REQUEUE = "requeue"
    TRANSFER = "transfer"
    CLOSE = "close"


S = Status
A = Action

# The lifecycle. Anything not in this table is refused with InvalidTransitionError.
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.PENDING, A.ADMIT): S.WAITING,
    (S.PENDING, A.REJECT): S.REJECTED,
    (S.PENDING, A.LEAVE): S.LEFT,  # left (or erased) before admission: never admitted
    (S.WAITING, A.CALL): S.CALLED,
    (S.WAITING, A.LEAVE): S.LEFT,
    (S.WAITING, A.MARK_ABSENT): S.ABSENT,
    (S.WAITING, A.TRANSFER): S.TRANSFERRED,
    (S.WAITING, A.CLOSE): S.CLOSED,
    (S.ABSENT, A.RETURN): S.WAITING,
    (S.ABSENT, A.EXPIRE): S.EXPIRED,
    (S.ABSENT, A.LEAVE): S.LEFT,
    (S.ABSENT, A.CLOSE): S.CLOSED,
    (S.ABSENT, A.CALL): S.CALLED,  # a clerk may still call an absent citizen explicitly
    (S.CALLED, A.START): S.IN_SERVICE,
    (S.CALLED, A.FINISH): S.DONE,
    (S.CALLED, A.NO_SHOW): S.NO_SHOW,
    (S.CALLED, A.REQUEUE): S.WAITING,
    (S.CALLED, A.LEAVE): S.LEFT,
    (S.CALLED, A.TRANSFER): S.TRANSFERRED,
    (S.IN_SERVICE, A.FINISH): S.DONE,
    (S.IN_SERVICE, A.REQUEUE): S.WAITING,
    (S.IN_SERVICE, A.TRANSFER): S.TRANSFERRED,
    (S.NO_SHOW, A.REQUEUE): S.WAITING,
}

ACTIVE = frozenset({S.PENDING, S.WAITING, S.ABSENT, S.CALLED, S.IN_SERVICE})
TERMINAL = frozenset(set(Status) - ACTIVE - {S.NO_SHOW})


STATUS_LABELS: dict[Status, str] = {
    S.PENDING: "aguardando entrada na fila",
    S.WAITING: "aguardando",
    S.ABSENT: "ausente",
    S.CALLED: "chamada",
    S.IN_SERVICE: "em atendimento",
    S.DONE: "atendida",
    S.LEFT: "desistente",
    S.EXPIRED: "expirada",
    S.NO_SHOW: "não compareceu",
    S.TRANSFERRED: "transferida",
    S.REJECTED: "recusada",
    S.CLOSED: "encerrada com o fechamento da unidade",
}

ACTION_LABELS: dict[Action, str] = {
    A.ADMIT: "admitir",
    A.REJECT: "recusar",
    A.CALL: "chamar",
    A.START: "iniciar o atendimento de",
    A.FINISH: "finalizar",
    A.LEAVE: "sair da fila com",
    A.MARK_ABSENT: "marcar como ausente",
    A.RETURN: "retomar",
    A.EXPIRE: "expirar",
    A.NO_SHOW: "marcar ausência de",
    A.REQUEUE: "devolver à fila",
    A.TRANSFER: "transferir",
    A.CLOSE: "encerrar",
}

LIFECYCLE = Lifecycle(TRANSITIONS, STATUS_LABELS, ACTION_LABELS, "uma senha que está")


def next_status(current: Status, action: Action) -> Status:
    return LIFECYCLE.next(current, action)


@dataclass(frozen=True)
class TicketId:
    unit_id: str
    day: date
    short: str

    @staticmethod
    def new(unit_id: str, day: date) -> TicketId:
        return TicketId(unit_id, day, "".join(secrets.choice(_SHORT_ALPHABET) for _ in range(10)))

    @staticmethod
    def parse(value: str) -> TicketId:
        match = _TICKET_ID.match(value or "")
        if not match:
            raise TicketNotFoundError()
        day_text = match["day"]
        try:
            day = date(int(day_text[:4]), int(day_text[4:6]), int(day_text[6:]))
        except ValueError:
            raise TicketNotFoundError() from None
        return TicketId(match["unit"], day, match["short"])

    def __str__(self) -> str:
        return f"{self.unit_id}.{self.day:%Y%m%d}.{self.short}"


@dataclass(frozen=True)
class TicketEvent:
    """One transition of one ticket: the unit of audit and of metrics."""

    ticket_id: str
    action: Action
    status: Status
    at: datetime
    by: str = ""  # "citizen", "system", or the clerk's e-mail
    reason: str = ""  # required for out-of-order calls
    data: dict[str, Any] = field(default_factory=dict)


class AttendanceAction(StrEnum):
    """Events of an attendance that are not transitions (the ticket keeps its status)."""

    INVITE = "invite"
    FOLLOW_UP = "follow_up"
    CHAT = "chat"  # the attendance went on by chat (counted by the metric rollups)
    NOTICE = "notice"  # the citizen was told off the page (issue 13): kind, channels, outcomes
    HERE = "here"  # the citizen near the front confirmed "Estou aqui"


@dataclass(frozen=True)
class AttendanceEvent:
    """An event of the attendance that is not a transition (same shape as `TicketEvent`); of their
    actions, the metrics rollups count `chat` only."""

    ticket_id: str
    action: AttendanceAction
    status: Status  # the ticket's status, unchanged
    at: datetime
    by: str
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TicketWrite:
    """A ticket entity change committed together with the queue state.

    `create` fails if the ticket exists (that is how a replayed admission is recognised);
    otherwise the given fields are merged. `event` is appended to the audit/metrics log in the same
    commit. A write that changes `status` is made by `move`. `opens_survey`: the attendance ended, its
    survey may be answered once (the store keeps an open slot, closed by the answer: no read to answer)."""

    ticket_id: str
    fields: Mapping[str, Any]
    create: bool = False
    event: TicketEvent | AttendanceEvent | None = None
    opens_survey: bool = False


def move(
    ticket_id: str,
    current: Status,
    action: Action,
    at: datetime,
    by: str,
    reason: str = "",
    data: Mapping[str, Any] | None = None,
    *,
    fields: Mapping[str, Any] | None = None,
    create: bool = False,
) -> TicketWrite:
    """The write of one transition: the new status by the table (or InvalidTransitionError), the other
    `fields` it changes, and its event."""
    new = next_status(current, action)
    return TicketWrite(
        ticket_id,
        {**(fields or {}), "status": new.value},
        create=create,
        event=TicketEvent(ticket_id, action, new, at, by, reason, dict(data or {})),
        opens_survey=new == Status.DONE,
    )


def event_row(event: TicketEvent | AttendanceEvent) -> tuple[str, dict[str, Any]]:
    """The row key and fields an event is kept as in its unit-day's log (`QueueStore.list_events` gives
    the fields back; the audit reads them): keys `e.{epoch ms}.{short}.{action}` sort by time."""
    at_ms = int(event.at.timestamp() * 1000)
    key = f"e.{at_ms:013d}.{TicketId.parse(event.ticket_id).short}.{event.action.value}"
    return key, {
        "ticketId": event.ticket_id,
        "action": event.action.value,
        "status": event.status.value,
        "at": event.at.isoformat(),
        "by": event.by,
        "reason": event.reason,
        "data": json.dumps(event.data),
    }


def status_of(write: TicketWrite) -> Status:
    """The status a write sets (a write made by `move`)."""
    return Status(str(write.fields["status"]))
