"""Answers of the public directory and of the citizen's ticket."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from domain.usecases import citizen_view as cv
from domain.usecases.directory import UnitSummary as UnitSummaryData
from domain.usecases.joining import JoinAccepted as JoinAcceptedData
from functions.answers import Answer, CourtRef, MeetingLink, Option, WaitRange, iso
from functions.links import Links


class UnitSummary(Answer):
    id: str
    name: str
    court: CourtRef
    section: str
    category: str
    instance: str
    active: bool
    open_now: bool = Field(serialization_alias="openNow")
    next_opening: str | None = Field(
        serialization_alias="nextOpening", description="ISO 8601 com o fuso da unidade"
    )
    timezone: str
    hours_text: str = Field(serialization_alias="hoursText")
    people_waiting: int = Field(serialization_alias="peopleWaiting")
    clerks_online: int = Field(serialization_alias="clerksOnline")
    estimated_wait: WaitRange = Field(serialization_alias="estimatedWait")
    page_url: str = Field(serialization_alias="pageUrl")
    reasons: list[Option]
    service_categories: list[Option] = Field(serialization_alias="serviceCategories")
    alternatives: list[str]

    @staticmethod
    def of(u: UnitSummaryData, links: Links) -> UnitSummary:
        return UnitSummary(
            id=u.id,
            name=u.name,
            court=CourtRef.of(u.court),
            section=u.section,
            category=u.category,
            instance=u.instance,
            active=u.active,
            open_now=u.open_now,
            next_opening=iso(u.next_opening) if u.next_opening else None,
            timezone=u.timezone,
            hours_text=u.hours_text,
            people_waiting=u.people_waiting,
            clerks_online=u.clerks_online,
            estimated_wait=WaitRange.of(u.estimated_wait, basis=False),
            page_url=links.unit_page(u.id),
            reasons=Option.all(u.reasons),
            service_categories=Option.all(u.service_categories),
            alternatives=list(u.alternatives),
        )


class UnitList(Answer):
    units: list[UnitSummary]


class JoinAccepted(Answer):
    ticket_id: str = Field(serialization_alias="ticketId")
    token: str = Field(description="Segredo da senha: envie em Authorization: Bearer <token>")
    status_url: str = Field(serialization_alias="statusUrl")
    unit_id: str = Field(serialization_alias="unitId")
    status: Literal["pending"]

    @staticmethod
    def of(a: JoinAcceptedData, links: Links) -> JoinAccepted:
        return JoinAccepted(
            ticket_id=a.ticket_id,
            token=a.token,
            status_url=links.ticket(a.ticket_id),
            unit_id=a.unit_id,
            status="pending",
        )


class Transferred(Answer):
    ticket_id: str = Field(serialization_alias="ticketId")
    token: str
    status_url: str = Field(serialization_alias="statusUrl")


class TicketView(Answer):
    """What the citizen's page shows; the fields present depend on `status`."""

    ticket_id: str = Field(serialization_alias="ticketId")
    unit: CourtRef
    status: Literal[
        "pending",
        "waiting",
        "absent",
        "called",
        "in_service",
        "done",
        "left",
        "no_show",
        "expired",
        "closed",
        "rejected",
        "transferred",
    ]
    display_number: str | None = Field(default=None, serialization_alias="displayNumber")
    called_at: str | None = Field(default=None, serialization_alias="calledAt")
    position: int | None = None
    people_ahead: int | None = Field(default=None, serialization_alias="peopleAhead")
    people_waiting: int | None = Field(default=None, serialization_alias="peopleWaiting")
    estimated_wait: WaitRange | None = Field(default=None, serialization_alias="estimatedWait")
    clerks_online: int | None = Field(default=None, serialization_alias="clerksOnline")
    priority: str | None = None
    meeting: MeetingLink | None = None
    transferred_to: Transferred | None = Field(default=None, serialization_alias="transferredTo")
    survey_answered: bool | None = Field(default=None, serialization_alias="surveyAnswered")
    message: str | None = None
    alternatives: list[str] | None = None

    @staticmethod
    def of(v: cv.TicketView, links: Links) -> TicketView:
        return TicketView.model_validate(
            {"ticket_id": v.ticket_id, "unit": CourtRef.of(v.unit), **TicketView.state_fields(v.state, links)}
        )

    @staticmethod
    def state_fields(
        s: cv.InLine | cv.BeingServed | cv.NotYetAdmitted | cv.Outcome, links: Links
    ) -> dict[str, Any]:
        if isinstance(s, cv.InLine):
            return {
                "status": s.status.value,
                "display_number": s.display_number,
                "position": s.position,
                "people_ahead": s.people_ahead,
                "people_waiting": s.people_waiting,
                "estimated_wait": WaitRange.of(s.estimated_wait, basis=True),
                "clerks_online": s.clerks_online,
                "priority": s.priority,
            }
        if isinstance(s, cv.BeingServed):
            return {
                "status": s.status.value,
                "display_number": s.display_number,
                "called_at": iso(s.called_at),
                "people_waiting": s.people_waiting,
                "meeting": MeetingLink.of(s.meeting),
            }
        if isinstance(s, cv.NotYetAdmitted):
            return {"status": "pending", "people_waiting": s.people_waiting}
        fields: dict[str, Any] = {"status": s.status.value, "display_number": s.display_number}
        if s.transferred_to is not None:
            new_id = s.transferred_to.ticket_id
            fields["transferred_to"] = Transferred(
                ticket_id=new_id, token=s.transferred_to.token, status_url=links.ticket(new_id)
            )
        if s.survey_answered is not None:
            fields["survey_answered"] = s.survey_answered
        if s.message is not None:
            fields["message"] = s.message
        if s.alternatives is not None:
            fields["alternatives"] = list(s.alternatives)
        return fields


class SurveyAccepted(Answer):
    status: Literal["recebida"]
