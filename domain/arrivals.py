"""An arrival: a citizen on the way into a unit's line, with what they declared.

Three flows produce one and admission places it: joining (sent through the `join-requests` queue),
a transfer from another unit (the same queue, keeping the original arrival time), and an appointment
whose time has come (placed directly). The queue message and the stored ticket fields are written here
and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.ordering import PriorityClass, classify
from domain.people import Person, person_of, record_of
from domain.times import from_ms, iso_utc, ms_of_iso


@dataclass(frozen=True)
class Arrival:
    ticket_id: str
    arrived_ms: int
    person_key: str  # keyed hash of the person (one active ticket per person per unit)
    person: Person
    category: str = ""
    grounds: tuple[str, ...] = ()
    companions: int = 0
    transferred_from: str = ""
    accessibility: tuple[str, ...] = ()  # "libras", "outra": what the citizen asked for at joining
    accessibility_note: str = ""  # what else they need, in their words (personal data)
    channels: tuple[str, ...] = ()  # the notice channels chosen at joining (names; the contacts are not here)

    @property
    def klass(self) -> PriorityClass:
        return classify(self.grounds)

    @staticmethod
    def from_record(
        fields: Mapping[str, Any], ticket_id: str, arrived_ms: int, transferred_from: str = ""
    ) -> Arrival:
        """From a stored ticket (a transfer) or appointment (its time came)."""
        return Arrival(
            ticket_id,
            arrived_ms,
            str(fields.get("person", "")),
            person_of(fields),
            str(fields.get("category", "")),
            tuple(json.loads(str(fields.get("grounds") or "[]"))),
            int(fields.get("companions") or 0),
            transferred_from,
            tuple(json.loads(str(fields.get("accessibility") or "[]"))),
            str(fields.get("accessibilityNote", "")),
        )

    # --- the join-requests queue message ---------------------------------------------------------

    def to_message(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "ticketId": self.ticket_id,
            "arrivedMs": self.arrived_ms,
            "person": self.person_key,
            **record_of(self.person),
            "category": self.category,
            "grounds": list(self.grounds),
            "companions": self.companions,
        }
        if self.transferred_from:
            message["transferredFrom"] = self.transferred_from
        if self.accessibility:
            message["accessibility"] = list(self.accessibility)
            message["accessibilityNote"] = self.accessibility_note
        if self.channels:
            message["noticeChannels"] = list(self.channels)
        return message

    @staticmethod
    def from_message(message: Mapping[str, Any]) -> Arrival:
        return Arrival(
            ticket_id=str(message["ticketId"]),
            arrived_ms=int(message["arrivedMs"]),
            person_key=str(message.get("person", "")),
            person=person_of(message),
            category=str(message.get("category", "")),
            grounds=tuple(message.get("grounds", ())),
            companions=int(message.get("companions", 0)),
            transferred_from=str(message.get("transferredFrom", "")),
            accessibility=tuple(message.get("accessibility", ())),
            accessibility_note=str(message.get("accessibilityNote", "")),
            channels=tuple(str(c) for c in message.get("noticeChannels", ())),
        )

    # --- the stored ticket ------------------------------------------------------------------------

    def ticket_fields(self) -> dict[str, Any]:
        return {
            **record_of(self.person),
            "category": self.category,
            "grounds": json.dumps(list(self.grounds)),
            "companions": self.companions,
            "arrivedAt": iso_utc(from_ms(self.arrived_ms)),
            "transferredFrom": self.transferred_from,
            "person": self.person_key,
            "accessibility": json.dumps(list(self.accessibility)),
            "accessibilityNote": self.accessibility_note,
        }


def arrived_ms(ticket: Mapping[str, Any]) -> int:
    """When a stored ticket's citizen arrived (kept across transfers and requeues)."""
    return ms_of_iso(str(ticket["arrivedAt"]))
