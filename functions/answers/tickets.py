"""Answers of the public directory and of the citizen's ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from domain.queue import WaitEstimate
from domain.usecases import citizen_view as cv
from domain.usecases import directory, joining, reach
from functions.answers import Answer, answer_of, present
from functions.links import Links

UnitSummary = answer_of(directory.UnitSummary, add={"page_url": (str, "estimated_wait")})
JoinAccepted = answer_of(
    joining.JoinAccepted, add={"status_url": (str, "token"), "status": (Literal["pending"], "")}
)
Transferred = answer_of(
    cv.Handle, "Transferred", rename={"id": "ticketId"}, add={"status_url": (str, "token")}
)


class UnitList(Answer):
    units: list[UnitSummary]  # type: ignore[valid-type]


def unit_summary(u: directory.UnitSummary, links: Links) -> Answer:
    return present(UnitSummary, u, page_url=links.unit_page(u.id))


def join_accepted(a: joining.JoinAccepted, links: Links) -> Answer:
    return present(JoinAccepted, a, status_url=links.ticket(a.ticket_id), status="pending")


class TicketView(Answer):
    """What the citizen's page shows; the fields present depend on `status`."""

    ticket_id: str
    unit: cv.UnitRef
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
    display_number: str | None = None
    called_at: datetime | None = None
    position: int | None = None
    people_ahead: int | None = None
    people_waiting: int | None = None
    estimated_wait: WaitEstimate | None = None
    clerks_online: int | None = None
    priority: str | None = None
    meeting: cv.MeetingLink | None = None
    transferred_to: Transferred | None = None  # type: ignore[valid-type]
    survey_answered: bool | None = None
    message: str | None = None
    alternatives: list[str] | None = Field(default=None, description="Outras formas de falar com a unidade")
    poll_after_seconds: int | None = Field(
        default=None,
        description="Em quantos segundos a página deve consultar de novo: 2 perto da vez, até 30 longe dela",
    )
    notice_channels: list[str] = Field(default_factory=list, description="Como a pessoa será avisada")
    reachable: bool = Field(default=False, description="Algum meio de aviso funciona: a vaga não expira")
    near_front: bool = Field(default=False, description='Perto da vez: a página pede "Estou aqui"')
    here_confirmed: bool = False
    channel_lost: Literal["push", "whatsapp", "sms", "email"] | None = Field(
        default=None, description="Meio de aviso que deixou de funcionar (a página oferece ativar de novo)"
    )


def ticket_view(v: cv.TicketView, links: Links) -> TicketView:
    s = v.state
    r = v.reach
    head: dict[str, Any] = {
        "ticket_id": v.ticket_id,
        "unit": v.unit,
        "notice_channels": list(r.notice_channels),
        "reachable": r.reachable,
        "near_front": r.near_front,
        "here_confirmed": r.here_confirmed,
        "channel_lost": r.channel_lost,
    }
    if isinstance(s, cv.NotYetAdmitted):
        return present(TicketView, s, status="pending", **head)
    if not isinstance(s, cv.Outcome):
        return present(TicketView, s, **head)
    moved = s.transferred_to
    if moved is not None:
        head["transferred_to"] = present(Transferred, moved, status_url=links.ticket(moved.id))
    return present(
        TicketView, s, omit_none=("survey_answered", "message", "alternatives", "transferred_to"), **head
    )


NoticesSet = answer_of(reach.ReachView, "NoticesSet", rename={"channels": "noticeChannels"})


def notices_set(view: reach.ReachView) -> Answer:
    return present(NoticesSet, view)


class SurveyAccepted(Answer):
    status: Literal["recebida"]
