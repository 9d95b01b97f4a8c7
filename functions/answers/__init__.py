"""The answers of the HTTP API: one pydantic model per answer, which both produces the JSON (through
its presenter, `Model.of(...)`, from the dataclass a use case returns) and describes it in the OpenAPI
document (functions/openapi.py). camelCase keys (aliases), URLs and ISO 8601 texts are made here.

A presenter sets only the fields the answer carries (`dump` leaves unset fields out), so optional keys
appear exactly when the use case has them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from azure.functions import HttpResponse
from pydantic import BaseModel, ConfigDict, Field

from domain.config import Option as OptionConfig
from domain.queue import WaitEstimate
from domain.usecases.citizen_view import MeetingLink as MeetingLinkData
from domain.usecases.citizen_view import UnitRef
from functions.http_errors import ok


class Answer(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


def dump(answer: BaseModel) -> dict[str, Any]:
    """The JSON object of an answer: camelCase keys, only the fields its presenter set."""
    return answer.model_dump(mode="json", by_alias=True, exclude_unset=True)


def iso(t: datetime) -> str:
    """ISO 8601 with the offset; an instant in UTC ends in `Z`."""
    text = t.isoformat()
    return text[:-6] + "Z" if t.utcoffset() == timedelta(0) and text.endswith("+00:00") else text


def iso_date(d: date) -> str:
    return d.isoformat()


class Problem(Answer):
    """RFC 9457 problem details, in pt-BR."""

    type: str
    title: str
    status: int
    detail: str = ""
    errors: dict[str, str] | None = Field(default=None, description="Campo → problema encontrado")
    next_opening: str | None = Field(default=None, serialization_alias="nextOpening")
    alternatives: list[str] | None = None


class Health(Answer):
    status: str


class Option(Answer):
    id: str
    label: str

    @staticmethod
    def all(options: Iterable[OptionConfig]) -> list[Option]:
        return [Option(id=o.id, label=o.label) for o in options]


class CourtRef(Answer):
    """A unit or a court: its id and name."""

    id: str
    name: str

    @staticmethod
    def of(ref: UnitRef) -> CourtRef:
        return CourtRef(id=ref.id, name=ref.name)


class WaitRange(Answer):
    min_minutes: int = Field(serialization_alias="minMinutes")
    max_minutes: int = Field(serialization_alias="maxMinutes")
    basis: str | None = None

    @staticmethod
    def of(eta: WaitEstimate, *, basis: bool) -> WaitRange:
        if basis:
            return WaitRange(min_minutes=eta.low_min, max_minutes=eta.high_min, basis=eta.basis)
        return WaitRange(min_minutes=eta.low_min, max_minutes=eta.high_min)


class MeetingLink(Answer):
    status: str
    join_url: str | None = Field(serialization_alias="joinUrl")

    @staticmethod
    def of(link: MeetingLinkData) -> MeetingLink:
        return MeetingLink(status=link.status, join_url=link.join_url)


class StatusAnswer(Answer):
    status: str


def respond(answer: BaseModel, status: int = 200, headers: Mapping[str, str] | None = None) -> HttpResponse:
    """The HTTP answer of a model (application/json, UTF-8)."""
    return ok(dump(answer), status=status, headers=headers)
