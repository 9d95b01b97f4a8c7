"""Request bodies of the public and clerk APIs (pydantic): strict types, unknown fields refused; and the
models of the main answers. Both describe the API in the OpenAPI document (functions/openapi.py).

`parse_body` enforces the transport rules of every body: at most `MAX_BODY` bytes (413), JSON only
(`Content-Type: application/json`, UTF-8; 415), an object whose fields the model knows (400).
"""

from __future__ import annotations

import json
from typing import Any, Literal, TypeVar

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.errors import InvalidInputError

MAX_BODY = 256 * 1024  # above any valid body: the longest text field (20,000 characters) JSON-escaped

_FIELD_MESSAGES = {
    "missing": "campo obrigatório",
    "extra_forbidden": "campo não reconhecido",
    "string_type": "deve ser texto",
    "int_type": "deve ser um número inteiro",
    "int_parsing": "deve ser um número inteiro",
    "bool_type": "deve ser verdadeiro ou falso",
    "literal_error": "valor não permitido",
    "string_too_long": "texto longo demais",
    "less_than_equal": "valor alto demais",
    "greater_than_equal": "valor baixo demais",
    "list_type": "deve ser uma lista",
}


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_max_length=2000)


# Examples of valid bodies (OpenAPI `examples`, read by the API's readers and by the fuzz test, which sends
# them so that accepted writes happen and their storage effects are checked).
PERSON_EXAMPLE: dict[str, Any] = {
    "name": "Maria da Silva",
    "role": "parte",
    "reason": "orientacao",
    "consent": True,
}
LAWYER_EXAMPLE: dict[str, Any] = {
    "name": "João Pereira Lima",
    "role": "advogado",
    "oabNumber": "123456",
    "oabState": "AM",
    "processNumber": "0001234-96.2025.4.01.3000",
    "reason": "orientacao",
    "consent": True,
    "priority": ["idoso_60"],
}


def examples(*values: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(values)})


class JoinBody(Body):
    model_config = examples(PERSON_EXAMPLE, LAWYER_EXAMPLE)

    name: str = Field(max_length=200, description="Nome de quem será atendido")
    role: Literal["parte", "advogado", "outro"]
    reason: str = Field(max_length=80, description="Assunto, da lista da unidade")
    consent: bool = Field(description="Concorda com o uso dos dados pessoais para o atendimento")
    oab_number: str = Field(default="", max_length=20, alias="oabNumber")
    oab_state: str = Field(default="", max_length=2, alias="oabState")
    process_number: str = Field(default="", max_length=30, alias="processNumber")
    category: str = Field(default="", max_length=80)
    priority: list[str] = Field(default_factory=list, max_length=10)
    companions: int = Field(default=0, ge=0, le=3)


class SurveyBody(Body):
    model_config = examples({"score": 5, "comment": "Fui bem atendida e resolvi o que precisava."})

    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=1000)


class CallBody(Body):
    model_config = examples(
        {},
        {"ticketId": "tjam-tefe-vu.20261207.a1b2c3d4e5", "reason": "Atendimento combinado por telefone"},
    )

    ticket_id: str = Field(default="", max_length=120, alias="ticketId")
    reason: str = Field(default="", max_length=200)
    category: str = Field(default="", max_length=80)


class ActionBody(Body):
    model_config = examples(
        {"reason": "A pessoa pediu para voltar mais tarde"},
        {"targetUnit": "trf1-sjac-02vf", "reason": "O assunto é da outra vara"},
    )

    reason: str = Field(default="", max_length=200)
    target_unit: str = Field(default="", max_length=80, alias="targetUnit")


class PresenceBody(Body):
    model_config = examples({"status": "online"}, {"status": "paused"})

    status: Literal["online", "paused", "offline"]


# --- answers (documentation; their conformance is checked by the contract and fuzz tests) -----------


class Answer(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class Problem(Answer):
    """RFC 9457 problem details, in pt-BR."""

    type: str
    title: str
    status: int
    detail: str = ""
    errors: dict[str, str] | None = Field(default=None, description="Campo → problema encontrado")
    next_opening: str | None = Field(default=None, alias="nextOpening")
    alternatives: list[str] | None = None


class Health(Answer):
    status: Literal["ok"]


class Option(Answer):
    id: str
    label: str


class WaitRange(Answer):
    min_minutes: int = Field(alias="minMinutes")
    max_minutes: int = Field(alias="maxMinutes")
    basis: str | None = None


class CourtRef(Answer):
    id: str
    name: str


class UnitSummary(Answer):
    id: str
    name: str
    court: CourtRef
    section: str
    category: str
    instance: str
    active: bool
    open_now: bool = Field(alias="openNow")
    next_opening: str | None = Field(alias="nextOpening", description="ISO 8601 com o fuso da unidade")
    timezone: str
    hours_text: str = Field(alias="hoursText")
    people_waiting: int = Field(alias="peopleWaiting")
    clerks_online: int = Field(alias="clerksOnline")
    estimated_wait: WaitRange = Field(alias="estimatedWait")
    page_url: str = Field(alias="pageUrl")
    reasons: list[Option]
    service_categories: list[Option] = Field(alias="serviceCategories")
    alternatives: list[str]


class UnitList(Answer):
    units: list[UnitSummary]


class JoinAccepted(Answer):
    ticket_id: str = Field(alias="ticketId")
    token: str = Field(description="Segredo da senha: envie em Authorization: Bearer <token>")
    status_url: str = Field(alias="statusUrl")
    unit_id: str = Field(alias="unitId")
    status: Literal["pending"]


class MeetingLink(Answer):
    status: str
    join_url: str | None = Field(alias="joinUrl")


class TicketView(Answer):
    """What the citizen's page shows; the fields present depend on `status`."""

    ticket_id: str = Field(alias="ticketId")
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
    display_number: str | None = Field(default=None, alias="displayNumber")
    position: int | None = None
    people_ahead: int | None = Field(default=None, alias="peopleAhead")
    people_waiting: int | None = Field(default=None, alias="peopleWaiting")
    estimated_wait: WaitRange | None = Field(default=None, alias="estimatedWait")
    clerks_online: int | None = Field(default=None, alias="clerksOnline")
    priority: str | None = None
    called_at: str | None = Field(default=None, alias="calledAt")
    meeting: MeetingLink | None = None
    message: str | None = None
    alternatives: list[str] | None = None
    survey_answered: bool | None = Field(default=None, alias="surveyAnswered")
    transferred_to: dict[str, Any] | None = Field(default=None, alias="transferredTo")


class SurveyAccepted(Answer):
    status: Literal["recebida"]


class CallAnswer(Answer):
    ticket_id: str = Field(alias="ticketId")
    display_number: str = Field(alias="displayNumber")
    priority: str
    out_of_order_reason: str = Field(alias="outOfOrderReason")


class StatusAnswer(Answer):
    status: str


M = TypeVar("M", bound=Body)


class PayloadTooLargeError(InvalidInputError):
    """413: the body is larger than `MAX_BODY`."""

    code = "corpo-grande-demais"
    default_message = f"O corpo da requisição passa do limite de {MAX_BODY // 1024} KiB."


class UnsupportedMediaTypeError(InvalidInputError):
    """415: the body is not JSON in UTF-8."""

    code = "tipo-de-conteudo-nao-suportado"
    default_message = "Envie os dados como JSON (Content-Type: application/json; charset=utf-8)."


def _check_content_type(req: func.HttpRequest) -> None:
    media, _, params = (req.headers.get("content-type") or "").partition(";")
    charset = next(
        (
            v.strip().strip('"').lower()
            for k, _, v in (p.partition("=") for p in params.split(";"))
            if k.strip().lower() == "charset"
        ),
        "utf-8",
    )
    if media.strip().lower() != "application/json" or charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaTypeError()


def parse_body(req: func.HttpRequest, model: type[M], *, optional: bool = False) -> M:
    raw = req.get_body() or b""
    if len(raw) > MAX_BODY:
        raise PayloadTooLargeError()
    if not raw.strip() and optional:
        return model()
    _check_content_type(req)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputError("O corpo da requisição não é um JSON válido.") from None
    if not isinstance(data, dict):
        raise InvalidInputError("O corpo da requisição deve ser um objeto JSON.")
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        fields = {
            ".".join(str(p) for p in err["loc"]) or "corpo": _FIELD_MESSAGES.get(
                err["type"], "valor inválido"
            )
            for err in exc.errors()
        }
        raise InvalidInputError("Verifique os dados enviados.", fields=fields) from None
