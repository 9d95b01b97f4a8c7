"""Is the citizen in the meeting room? Told to the clerk's console where the meeting provider can tell.

- `local` (development): the simulated room page (site/reuniao.html), opened by the citizen on the same
  site, reports every few seconds with the ticket's token (`citizen_in_room`); the ticket keeps the
  time of the last report (`citizenRoomSeenAt`), and the citizen counts as in the room for
  `ROOM_SEEN_S` after it.
- `jitsi`: the Jitsi server counts the people in a room (prosody's `mod_muc_size`, `/room-size`), when
  the court enables it and gives its address (`ctx.room_census`). A count is not a list of names: with
  the clerk in the room it is one more, which the console takes into account.
- `teams`: Microsoft Graph gives a meeting's attendance only after the meeting ends (attendance
  reports); knowing who is in a meeting while it happens needs a calling bot inside the meeting, which
  the Balcão Virtual does not run. The console says so and the clerk looks at the meeting itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from domain.auth import Principal
from domain.errors import InvalidTransitionError, NotFoundError
from domain.tickets import TicketId
from domain.usecases.context import Context
from domain.usecases.ticket_moves import clerk_ticket
from domain.usecases.unit_day import ticket_day

ROOM_SEEN_S = 30
NOT_IN_SERVICE = "Esta senha não está em atendimento."

CANNOT_TELL = {
    "teams": "O Microsoft Teams não informa ao Balcão Virtual quem está na reunião enquanto ela acontece: "
    "veja na própria reunião.",
    "jitsi": "Este servidor Jitsi não informa quantas pessoas estão na sala (contagem não configurada).",
}


@dataclass(frozen=True)
class RoomStatus:
    known: bool  # false: the video platform does not tell (Teams)
    citizen_in_room: bool | None  # the provider says who (local)
    participants: int | None  # the provider counts people (jitsi), the clerk included once inside
    provider: str
    text: str


def room_status(ctx: Context, unit_id: str, ticket_id: str, clerk: Principal, now: datetime) -> RoomStatus:
    """For an attendance of the unit (called or in service): what its provider can tell."""
    unit, tid = clerk_ticket(ctx, unit_id, ticket_id, clerk)
    if tid.short not in ctx.store.peek(unit.id, ticket_day(tid)).called:
        raise InvalidTransitionError(NOT_IN_SERVICE)
    provider = unit.meeting.provider
    ticket = ctx.store.get_ticket(ticket_id) or {}
    if provider == "local":
        seen = str(ticket.get("citizenRoomSeenAt") or "")
        inside = bool(seen) and (now - datetime.fromisoformat(seen)).total_seconds() <= ROOM_SEEN_S
        text = "A pessoa está na sala." if inside else "A pessoa ainda não entrou na sala."
        return RoomStatus(True, inside, None, provider, text)
    census = ctx.room_census(provider)
    meeting_id = str(ticket.get("meetingId") or "")
    count = census.participants(meeting_id) if census is not None and meeting_id else None
    if count is None:
        return RoomStatus(False, None, None, provider, CANNOT_TELL.get(provider, CANNOT_TELL["teams"]))
    return RoomStatus(True, None, count, provider, f"Pessoas na sala agora: {count}.")


def citizen_in_room(ctx: Context, ticket_id: str, token: str, now: datetime) -> None:
    """The simulated room (local provider) reports the citizen inside; for other providers nothing is
    recorded (NotFoundError: they report through their own server)."""
    tid = TicketId.parse(ticket_id)
    ctx.keys.verify(ticket_id, token)
    unit = ctx.unit(tid.unit_id)
    if unit.meeting.provider != "local":
        raise NotFoundError("Esta unidade não usa a sala simulada.")
    if tid.short not in ctx.store.peek(unit.id, ticket_day(tid)).called:
        raise InvalidTransitionError(NOT_IN_SERVICE)
    ctx.store.merge_ticket(ticket_id, {"citizenRoomSeenAt": now.astimezone(UTC).isoformat()})
