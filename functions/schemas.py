"""Request bodies of the public and clerk APIs (pydantic): strict types, unknown fields refused.

They also describe the API for the OpenAPI document.
"""

from __future__ import annotations

import json
from typing import Literal, TypeVar

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.errors import InvalidInputError

MAX_BODY = 16 * 1024

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


class JoinBody(Body):
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
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=1000)


class CallBody(Body):
    ticket_id: str = Field(default="", max_length=120, alias="ticketId")
    reason: str = Field(default="", max_length=200)
    category: str = Field(default="", max_length=80)


class ActionBody(Body):
    reason: str = Field(default="", max_length=200)
    target_unit: str = Field(default="", max_length=80, alias="targetUnit")


class PresenceBody(Body):
    status: Literal["online", "paused", "offline"]


M = TypeVar("M", bound=Body)


def parse_body(req: func.HttpRequest, model: type[M], *, optional: bool = False) -> M:
    raw = req.get_body() or b""
    if not raw.strip() and optional:
        return model()
    if len(raw) > MAX_BODY:
        raise InvalidInputError("O corpo da requisição é grande demais.")
    ctype = (req.headers.get("content-type") or "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise InvalidInputError("Envie os dados como JSON (Content-Type: application/json).")
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
