"""Answers of the clerk console."""

from __future__ import annotations

from pydantic import Field

from domain.usecases import clerk_queue as cq
from domain.usecases.clerk_actions import CallResult
from domain.usecases.colleagues import ColleagueStatus
from domain.usecases.colleagues import Invitation as InvitationData
from domain.usecases.directory import StaffHome
from functions.answers import Answer, CourtRef, Option, iso


class ServedUnit(Answer):
    id: str
    name: str
    section: str
    court: str
    timezone: str
    reasons: list[Option]
    service_categories: list[Option] = Field(serialization_alias="serviceCategories")


class ClerkHome(Answer):
    """Who is signed in and where they serve."""

    email: str
    name: str
    units: list[ServedUnit]
    transfer_targets: list[CourtRef] = Field(serialization_alias="transferTargets")
    admin: bool
    manager_of: list[str] = Field(serialization_alias="managerOf")

    @staticmethod
    def of(home: StaffHome) -> ClerkHome:
        who = home.who
        return ClerkHome(
            email=who.email,
            name=who.name,
            units=[
                ServedUnit(
                    id=u.id,
                    name=u.name,
                    section=u.section,
                    court=u.court,
                    timezone=u.timezone,
                    reasons=Option.all(u.reasons),
                    service_categories=Option.all(u.service_categories),
                )
                for u in home.units
            ],
            transfer_targets=[CourtRef.of(t) for t in home.transfer_targets],
            admin=who.admin,
            manager_of=sorted(who.manager_courts),
        )


class Citizen(Answer):
    ticket_id: str = Field(serialization_alias="ticketId")
    display_number: str = Field(serialization_alias="displayNumber")
    name: str
    role: str
    oab: str
    process_number: str = Field(serialization_alias="processNumber")
    reason: str
    category: str
    priority: str
    priority_class: int = Field(serialization_alias="priorityClass")
    grounds: list[str]
    companions: int
    arrived_at: str = Field(serialization_alias="arrivedAt")
    waiting_minutes: int = Field(serialization_alias="waitingMinutes")
    absent: bool

    @staticmethod
    def fields_of(c: cq.Citizen) -> dict[str, object]:
        return {
            "ticket_id": c.ticket_id,
            "display_number": c.display_number,
            "name": c.name,
            "role": c.role,
            "oab": c.oab,
            "process_number": c.process_number,
            "reason": c.reason,
            "category": c.category,
            "priority": c.priority,
            "priority_class": c.priority_class,
            "grounds": c.grounds,
            "companions": c.companions,
            "arrived_at": iso(c.arrived_at),
            "waiting_minutes": c.waiting_minutes,
            "absent": c.absent,
        }


class ClerkMeeting(Answer):
    status: str
    join_url: str | None = Field(serialization_alias="joinUrl")
    clerk_join_url: str | None = Field(serialization_alias="clerkJoinUrl")


class CalledCitizen(Citizen):
    called_by: str = Field(serialization_alias="calledBy")
    called_at: str = Field(serialization_alias="calledAt")
    status: str
    meeting: ClerkMeeting


class Me(Answer):
    email: str
    status: str


class ClerkQueue(Answer):
    unit: CourtRef
    waiting: list[Citizen]
    absent: list[Citizen]
    called: list[CalledCitizen]
    clerks: dict[str, str] = Field(description="E-mail → online, paused ou offline")
    me: Me

    @staticmethod
    def of(q: cq.ClerkQueue) -> ClerkQueue:
        return ClerkQueue(
            unit=CourtRef.of(q.unit),
            waiting=[Citizen.model_validate(Citizen.fields_of(c)) for c in q.waiting],
            absent=[Citizen.model_validate(Citizen.fields_of(c)) for c in q.absent],
            called=[
                CalledCitizen.model_validate(
                    {
                        **Citizen.fields_of(c.citizen),
                        "called_by": c.called_by,
                        "called_at": iso(c.called_at),
                        "status": c.status.value,
                        "meeting": ClerkMeeting(
                            status=c.meeting.status,
                            join_url=c.meeting.join_url,
                            clerk_join_url=c.meeting.clerk_join_url,
                        ),
                    }
                )
                for c in q.called
            ],
            clerks=q.clerks,
            me=Me(email=q.me_email, status=q.me_status),
        )


class CallAnswer(Answer):
    ticket_id: str = Field(serialization_alias="ticketId")
    display_number: str = Field(serialization_alias="displayNumber")
    priority: str
    out_of_order_reason: str = Field(serialization_alias="outOfOrderReason")

    @staticmethod
    def of(r: CallResult) -> CallAnswer:
        return CallAnswer(
            ticket_id=r.ticket_id,
            display_number=r.display_number,
            priority=r.priority,
            out_of_order_reason=r.out_of_order_reason,
        )


class MeetingRetried(Answer):
    status: str
    meeting: str


class ColleagueAnswer(Answer):
    email: str
    name: str
    role: str
    role_label: str = Field(serialization_alias="roleLabel")
    status: str


class Colleagues(Answer):
    colleagues: list[ColleagueAnswer]

    @staticmethod
    def of(found: list[ColleagueStatus]) -> Colleagues:
        return Colleagues(
            colleagues=[
                ColleagueAnswer(
                    email=c.colleague.email,
                    name=c.colleague.name,
                    role=c.colleague.role,
                    role_label=c.colleague.label,
                    status=c.status,
                )
                for c in found
            ]
        )


class Invitee(Answer):
    email: str
    name: str
    role: str


class Invitation(Answer):
    ticket_id: str = Field(serialization_alias="ticketId")
    invitee: Invitee
    join_url: str = Field(serialization_alias="joinUrl")

    @staticmethod
    def of(i: InvitationData) -> Invitation:
        return Invitation(
            ticket_id=i.ticket_id,
            invitee=Invitee(email=i.email, name=i.name, role=i.role),
            join_url=i.join_url,
        )
