"""Request bodies of the scheduling, asynchronous-channel and colleague routes (same rules as
functions/schemas.py: strict types, unknown fields refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from domain.errors import InvalidInputError
from functions.schemas import LAWYER_EXAMPLE, PERSON_EXAMPLE, Body, JoinBody, examples


class BookBody(JoinBody):
    """The join form's fields plus the chosen slot."""

    model_config = examples(
        {**PERSON_EXAMPLE, "startsAt": "2026-12-07T10:00:00-04:00"},
        {**LAWYER_EXAMPLE, "startsAt": "2026-12-07T10:30:00-04:00"},
    )

    starts_at: str = Field(
        max_length=40, alias="startsAt", description="Início do horário (ISO 8601 com fuso)"
    )


class SlotBody(Body):
    model_config = examples({"startsAt": "2026-12-07T11:00:00-04:00"})

    starts_at: str = Field(
        max_length=40, alias="startsAt", description="Início do horário (ISO 8601 com fuso)"
    )


class MessageBody(Body):
    # Long texts reach the use case, which says how long the message is and what the unit's limit is.
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        str_max_length=20_000,
        json_schema_extra={
            "examples": [
                {
                    **PERSON_EXAMPLE,
                    "text": "Gostaria de saber se já há data para a audiência do meu processo.",
                    "processNumber": "0001234-96.2025.4.01.3000",
                }
            ]
        },
    )

    name: str = Field(max_length=200)
    role: Literal["parte", "advogado", "outro"]
    reason: str = Field(max_length=80, description="Assunto, da lista da unidade")
    text: str = Field(description="A mensagem, só texto")
    consent: bool
    oab_number: str = Field(default="", max_length=20, alias="oabNumber")
    oab_state: str = Field(default="", max_length=2, alias="oabState")
    process_number: str = Field(default="", max_length=30, alias="processNumber")
    attachments: list[Any] = Field(
        default_factory=list, max_length=100, description="Não aceito: este canal recebe apenas texto"
    )


class ReplyBody(Body):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        str_max_length=10_000,
        json_schema_extra={"examples": [{"text": "A audiência está marcada para 10/12, às 9h, por vídeo."}]},
    )

    text: str


class InviteBody(Body):
    model_config = examples({"email": "interprete.libras@tribunal.jus.br"})

    email: str = Field(max_length=200, description="E-mail do(a) colega ou intérprete")


def parse_instant(value: str, field: str = "startsAt") -> datetime:
    """An ISO 8601 instant with its offset, or InvalidInputError in pt-BR."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInputError(
            "Informe o horário em ISO 8601 com o fuso, por exemplo 2026-12-07T10:00:00-04:00.",
            fields={field: "data e hora com fuso"},
        )
    return parsed
