"""Request bodies of the API (pydantic): strict types, unknown fields refused. They describe the bodies
in the OpenAPI document (functions/openapi.py); the length limits are the domain's (domain/people.py).

`parse_body` enforces the transport rules of every body: at most `MAX_BODY` bytes (413), JSON only
(`Content-Type: application/json`, UTF-8; 415), an object whose fields the model knows (400).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any, Literal, TypeVar

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.contacts import EMAIL_MAX, ENDPOINT_MAX, NoticeRequest
from domain.conversation.machine import MAX_TEXT
from domain.errors import InvalidInputError
from domain.messages import MessageInput
from domain.people import CLERK_REASON_MAX, COMMENT_MAX, NAME_MAX, REASON_ID_MAX, REPLY_MAX
from domain.usecases.joining import JoinInput

STATE_MAX = 8000  # a conversation's signed state (about 2 KB in use)
MAX_BODY = 256 * 1024  # above any valid body: the longest text field (20,000 characters) JSON-escaped

_FIELD_MESSAGES = {
    "missing": "campo obrigatório",
    "extra_forbidden": "campo não reconhecido",
    "string_type": "deve ser texto",
    "int_type": "deve ser um número inteiro",
    "int_parsing": "deve ser um número inteiro",
    "bool_type": "deve ser verdadeiro ou falso",
    "literal_error": "valor não permitido",
    "string_too_long": "no máximo {max_length} caracteres",
    "less_than_equal": "valor alto demais",
    "greater_than_equal": "valor baixo demais",
    "list_type": "deve ser uma lista",
}


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_max_length=2000)

    def fields_of(self, target: type) -> dict[str, Any]:
        """The body's fields that the dataclass `target` (a use case's input) has."""
        return self.model_dump(include={f.name for f in dataclasses.fields(target)})


# Examples of valid bodies (OpenAPI `examples`, read by the API's readers and by the fuzz test, which sends
# them so that accepted writes happen and their storage effects are checked).
PERSON_EXAMPLE: dict[str, Any] = {
    "name": "Maria da Silva",
    "role": "parte",
    "reason": "orientacao",
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


def examples(*values: dict[str, Any], str_max_length: int | None = None) -> ConfigDict:
    """A body's configuration with its examples (and a longer text limit, where it has one)."""
    extra: dict[str, Any] = {"examples": list(values)}
    if str_max_length is None:
        return ConfigDict(json_schema_extra=extra)
    return ConfigDict(json_schema_extra=extra, str_max_length=str_max_length)


class PersonBody(Body):
    """Who the citizen is (joining, booking, writing a message)."""

    name: str = Field(max_length=NAME_MAX, description="Nome de quem será atendido")
    role: Literal["parte", "advogado", "outro"]
    reason: str = Field(max_length=REASON_ID_MAX, description="Assunto, da lista da unidade")
    consent: bool = Field(
        default=False,
        description="Aceito por compatibilidade e ignorado: a base legal do tratamento é o serviço público "
        "(LGPD art. 7º, III, e art. 23), não o consentimento",
    )
    oab_number: str = Field(default="", max_length=20, alias="oabNumber")
    oab_state: str = Field(default="", max_length=2, alias="oabState")
    process_number: str = Field(default="", max_length=30, alias="processNumber")


PUSH_EXAMPLE: dict[str, Any] = {
    "channel": "push",
    "subscription": {
        "endpoint": "https://fcm.googleapis.com/fcm/send/cXk1bG9uZy1yYW5kb20tdG9rZW4",
        "keys": {
            "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-"
            "Ts1XbjhazAkj7I99e8QcYP7DkM",
            "auth": "tBHItJI5svbpez7KI4CCXg",
        },
    },
}
NOTICES_EXAMPLE: dict[str, Any] = {
    "notices": [PUSH_EXAMPLE, {"channel": "whatsapp", "phone": "+5592991234567"}]
}


class PushKeys(Body):
    p256dh: str = Field(max_length=200, description="Chave pública P-256 do navegador (base64url)")
    auth: str = Field(max_length=100, description="Segredo de autenticação (base64url, 16 bytes)")


class PushSubscriptionBody(Body):
    """`PushSubscription.toJSON()` of the page's service worker."""

    endpoint: str = Field(max_length=ENDPOINT_MAX, description="Endereço https do serviço de push")
    keys: PushKeys
    expiration_time: int | None = Field(default=None, alias="expirationTime")


class NoticeItem(Body):
    """One way to be told off the page: push (the subscription), WhatsApp or SMS (the mobile number in
    E.164, +55 and the DDD), or e-mail."""

    channel: Literal["push", "whatsapp", "sms", "email"]
    phone: str = Field(default="", max_length=24, description="Celular: +55, DDD e número")
    email: str = Field(default="", max_length=EMAIL_MAX)
    subscription: PushSubscriptionBody | None = None

    def to_request(self) -> NoticeRequest:
        sub = self.subscription
        raw = None if sub is None else {"endpoint": sub.endpoint, "keys": sub.keys.model_dump()}
        return NoticeRequest(self.channel, self.phone, self.email, raw)


class NoticesBody(Body):
    """The ticket's channels, replacing the ones it had (an empty list: none)."""

    model_config = examples(NOTICES_EXAMPLE, {"notices": []})

    notices: list[NoticeItem] = Field(max_length=4)

    def to_requests(self) -> tuple[NoticeRequest, ...]:
        return tuple(item.to_request() for item in self.notices)


class JoinBody(PersonBody):
    model_config = examples(PERSON_EXAMPLE, LAWYER_EXAMPLE)

    category: str = Field(default="", max_length=REASON_ID_MAX)
    priority: list[str] = Field(default_factory=list, max_length=10)
    companions: int = Field(default=0, ge=0, le=3)
    accessibility: list[Literal["libras", "outra"]] = Field(
        default_factory=list, max_length=2, description="Intérprete de Libras e/ou outra necessidade"
    )
    accessibility_note: str = Field(
        default="",
        max_length=200,
        alias="accessibilityNote",
        description="A outra necessidade, em poucas palavras",
    )

    notices: list[NoticeItem] = Field(
        default_factory=list, max_length=4, description="Como quer ser avisado(a) fora da página"
    )

    def to_input(self) -> JoinInput:
        return JoinInput(
            **{
                **self.fields_of(JoinInput),
                "priority": tuple(self.priority),
                "accessibility": tuple(self.accessibility),
                "notices": tuple(item.to_request() for item in self.notices),
            }
        )


class SurveyBody(Body):
    model_config = examples({"score": 5, "comment": "Fui bem atendida e resolvi o que precisava."})

    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=COMMENT_MAX)


class ConversationBody(Body):
    """One message of the widget's conversation (functions/conversation_http.py): the signed state the
    last answer gave (none: a new conversation, at `unit` if given, or following `ticketId` with its
    `token`), and what the citizen typed (`text`) or the id of the option chosen (`option`)."""

    model_config = examples({}, {"unit": "tjac-rbr-1vce"}, str_max_length=STATE_MAX)

    state: str = ""
    text: str = Field(default="", max_length=MAX_TEXT)
    option: str = Field(default="", max_length=REASON_ID_MAX)
    unit: str = Field(default="", max_length=REASON_ID_MAX)
    ticket_id: str = Field(default="", alias="ticketId", max_length=REASON_ID_MAX)
    token: str = Field(default="", max_length=REASON_ID_MAX)


class ChatBody(Body):
    """One message of an attendance by chat: plain text (the asynchronous channel's rules)."""

    model_config = examples({"text": "Bom dia. Quero saber se o meu processo já foi julgado."})

    text: str = Field(description="Texto da mensagem (sem anexos nem HTML; até 500 caracteres)")


class ModeBody(Body):
    model_config = examples({"mode": "chat"}, {"mode": "video"})

    mode: Literal["video", "chat"] = Field(description="Atender por vídeo ou por chat")


class CallBody(Body):
    model_config = examples(
        {},
        {"ticketId": "tjam-tefe-vu.20261207.a1b2c3d4e5", "reason": "Atendimento combinado por telefone"},
    )

    ticket_id: str = Field(default="", max_length=120, alias="ticketId")
    reason: str = Field(default="", max_length=CLERK_REASON_MAX)
    category: str = Field(default="", max_length=REASON_ID_MAX)


class ActionBody(Body):
    model_config = examples(
        {"reason": "A pessoa pediu para voltar mais tarde"},
        {"targetUnit": "trf1-sjac-02vf", "reason": "O assunto é da outra vara"},
    )

    reason: str = Field(default="", max_length=CLERK_REASON_MAX)
    target_unit: str = Field(default="", max_length=REASON_ID_MAX, alias="targetUnit")
    confirm: bool = Field(
        default=False, description="no-show: o servidor confirma a ausência antes do prazo da unidade"
    )


class PresenceBody(Body):
    model_config = examples({"status": "online"}, {"status": "paused"})

    status: Literal["online", "paused", "offline"]


class SlotBody(Body):
    model_config = examples({"startsAt": "2026-12-07T11:00:00-04:00"})

    starts_at: str = Field(
        max_length=40, alias="startsAt", description="Início do horário (ISO 8601 com fuso)"
    )


class BookBody(JoinBody):
    """The join form's fields plus the chosen slot."""

    model_config = examples(
        {**PERSON_EXAMPLE, "startsAt": "2026-12-07T10:00:00-04:00"},
        {**LAWYER_EXAMPLE, "startsAt": "2026-12-07T10:30:00-04:00"},
    )

    starts_at: str = Field(
        max_length=40, alias="startsAt", description="Início do horário (ISO 8601 com fuso)"
    )


class MessageBody(PersonBody):
    # Long texts reach the use case, which says how long the message is and what the unit's limit is.
    model_config = examples(
        {
            **PERSON_EXAMPLE,
            "text": "Gostaria de saber se já há data para a audiência do meu processo.",
            "processNumber": "0001234-96.2025.4.01.3000",
        },
        str_max_length=20_000,
    )

    text: str = Field(description="A mensagem, só texto")
    attachments: list[Any] = Field(
        default_factory=list, max_length=100, description="Não aceito: este canal recebe apenas texto"
    )
    notices: list[NoticeItem] = Field(
        default_factory=list, max_length=4, description="Como quer ser avisado(a) da resposta"
    )

    def to_input(self) -> MessageInput:
        return MessageInput(
            **{
                **self.fields_of(MessageInput),
                "attachments": len(self.attachments),
                "notices": tuple(item.to_request() for item in self.notices),
            }
        )


class ReplyBody(Body):
    model_config = examples(
        {"text": "A audiência está marcada para 10/12, às 9h, por vídeo."}, str_max_length=REPLY_MAX
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


M = TypeVar("M", bound=Body)


class PayloadTooLargeError(InvalidInputError):
    """413: the body is larger than `MAX_BODY`."""

    code = "corpo-grande-demais"
    default_message = f"O corpo da requisição passa do limite de {MAX_BODY // 1024} KiB."


class UnsupportedMediaTypeError(InvalidInputError):
    """415: the request of a write route is not declared as JSON in UTF-8."""

    code = "tipo-de-conteudo-nao-suportado"
    default_message = "Envie os dados como JSON (Content-Type: application/json; charset=utf-8)."


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def require_json(req: func.HttpRequest) -> None:
    """415 unless the request says `Content-Type: application/json` (charset, if any, UTF-8). Every write
    route asks it, body or not (issue 16, observation 11): a page of another site can send text/plain,
    a form type or no type at all without a CORS preflight, carrying the clerk's sign-in cookie; a JSON
    type makes the browser ask first, and only the court's origins are let through."""
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


MAX_DEPTH = 8  # our bodies nest two levels; a deep `[[[...` would exhaust the parser's recursion (500)


def strict_json(raw: bytes) -> Any:
    """JSON as our bodies are (issue 16): nesting at most `MAX_DEPTH` deep and no key twice in an
    object (`"consent": false, "consent": true` is refused, not read as the last), else 400."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:  # a linear scan before parsing: brackets outside strings
        if in_string:
            escaped, in_string = (not escaped and byte == 0x5C), in_string and (escaped or byte != 0x22)
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                raise InvalidInputError("O corpo da requisição tem níveis demais.")
        elif byte in (0x5D, 0x7D):
            depth -= 1
    try:
        return json.loads(raw, object_pairs_hook=_unique_keys)
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, _DuplicateKeyError):
            raise InvalidInputError(
                f"O campo {exc.key!r} aparece mais de uma vez no corpo da requisição.",
                fields={exc.key: "campo repetido"},
            ) from None
        raise InvalidInputError("O corpo da requisição não é um JSON válido.") from None


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKeyError(key)
        seen[key] = value
    return seen


def parse_body(req: func.HttpRequest, model: type[M], *, optional: bool = False) -> M:
    raw = req.get_body() or b""
    if len(raw) > MAX_BODY:
        raise PayloadTooLargeError()
    if not raw.strip() and optional:
        return model()
    require_json(req)
    data = strict_json(raw)
    if not isinstance(data, dict):
        raise InvalidInputError("O corpo da requisição deve ser um objeto JSON.")
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        fields = {
            ".".join(str(p) for p in err["loc"]) or "corpo": _FIELD_MESSAGES.get(
                err["type"], "valor inválido"
            ).format(**err.get("ctx", {}))
            for err in exc.errors()
        }
        raise InvalidInputError("Verifique os dados enviados.", fields=fields) from None
