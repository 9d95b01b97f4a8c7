"""Adaptive Cards (schema 1.4) for clerk notifications posted to a Teams Workflows webhook.

Teams Workflows ("When a Teams webhook request is received") rejects cards above version 1.4, and Teams
refuses messages above 28 KB, so every card here is 1.4 and every payload is measured in UTF-8 bytes of
the exact JSON that is sent (`serialize_payload`).

Everything that comes from a person (names, OAB, process number, reason, error text, unit names from
configuration) goes through `md_text`: control, format and bidi-override characters are removed, line
breaks collapsed, the text truncated, and every character the TextBlock markdown subset reacts to is
backslash-escaped, so a citizen cannot inject a link, a heading, a list or emphasis into a clerk's
channel. URLs are accepted only as `http`/`https` with a host and no user info (`safe_url`) and appear
only as `Action.OpenUrl` targets, never inside markdown. The console buttons open the console at the
card's ticket: in the Balcão Virtual Teams app's "Fila" tab (a Teams deep link, `console_link`) when the
court installed the app, else on the web.

`Notification.data` fields read, per kind (all optional unless noted; unknown fields are ignored):

- ``citizen_called``: display_number, role ("parte" | "advogado" | "outro"), reason, priority,
  clerk_name, join_url, clerk_join_url (preferred for the button), console_url (a second button: the
  console at the ticket). No citizen data: a card lives in a
  channel the retention purge and the holder's erasure cannot reach (issue 16); the console shows the
  name, OAB and process number to the clerk.
- ``no_clerk_online``: waiting_count, minutes_unattended (absent: "first person waiting"),
  display_number (of the first person waiting), console_url
- ``meeting_failed``: ticket_id, display_number, error, console_url
- ``poison_message``: queue, message_id, summary, dequeue_count, admin_url (no personal data: e-mail
  addresses and CPF-like numbers in the summary are masked)
- ``appointment_reminder``: starts_at_text, appointment_kind, reason, clerk_join_url / join_url,
  console_url (no citizen data: the console lists the day's appointments with names)
- ``colleague_invited``: invitee_name, invitee_role, invited_by, display_number, reason,
  clerk_join_url / join_url (the button: the colleague joins the same meeting), console_url
- ``async_overdue``: protocol, received_at_text, due_at_text, overdue_text, console_url (no citizen data)
- any other kind: summary, url (a generic card, so an unknown kind never blocks the queue)
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from domain.ports import Notification

CARD_VERSION = "1.4"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Teams' limit is 28 KB for the whole message; keep a margin for what Workflows wraps around it.
MAX_PAYLOAD_BYTES = 27 * 1024
MAX_URL_LENGTH = 2048

Card = dict[str, Any]
Element = dict[str, Any]

# Characters the Adaptive Cards TextBlock/Fact markdown subset (and CommonMark, which most renderers use)
# gives a meaning to. `{`/`}` too: `{{DATE(...)}}` / `{{TIME(...)}}` are expanded by the renderers.
_MD_SPECIAL = frozenset("\\`*_[]()#+-!|~<>{}")
_LEADING_ORDERED_LIST = re.compile(r"^(\d+)([.)])")
_WHITESPACE_RUN = re.compile(r"\s+")
# Kept although they are format characters: joiners shape emoji sequences and Persian/Arabic words,
# tag characters form subdivision flags.
_KEPT_FORMAT_CHARS = frozenset({"\u200c", "\u200d"})
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_CPF_LIKE = re.compile(r"\b\d{3}\.?\d{3}\.?\d{3}-?\d{2}\b")

ROLE_LABELS = {"parte": "Parte", "advogado": "Advogado(a)", "outro": "Outro"}
PRIORITY_LABELS = {
    "none": "Sem prioridade",
    "normal": "Sem prioridade",
    "super_priority": "Prioridade especial (80 anos ou mais)",
    "super": "Prioridade especial (80 anos ou mais)",
    "priority": "Prioridade legal",
    "elderly": "Prioridade legal (60 anos ou mais)",
    "disability": "Prioridade legal (pessoa com deficiência)",
    "autism": "Prioridade legal (TEA)",
    "pregnant": "Prioridade legal (gestante)",
    "breastfeeding": "Prioridade legal (lactante)",
    "child_in_arms": "Prioridade legal (criança de colo)",
    "obesity": "Prioridade legal (pessoa obesa)",
    "reduced_mobility": "Prioridade legal (mobilidade reduzida)",
    "blood_donor": "Doador(a) de sangue",
}

# Field lengths (characters, before escaping).
_LEN_SHORT = 40
_LEN_NAME = 120
_LEN_UNIT = 200
_LEN_LONG = 500
_LEN_SUMMARY = 300


def clean_text(value: object, max_len: int) -> str:
    """Plain text a person typed, made safe to display: no control/format/bidi-override characters,
    whitespace runs (line breaks included) collapsed to one space, at most `max_len` characters."""
    text = "" if value is None else str(value)
    # Only a bounded prefix is looked at, so a 10 MB field costs no more than a short one.
    window = max_len * 4 + 64
    cut = len(text) > window
    kept: list[str] = []
    for ch in text[:window]:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs"):
            kept.append(" " if ch in "\t\n\r\v\f" else "")
            continue
        if category == "Cf" and ch not in _KEPT_FORMAT_CHARS and not ("\U000e0020" <= ch <= "\U000e007f"):
            continue
        kept.append(ch)
    text = _WHITESPACE_RUN.sub(" ", "".join(kept)).strip()
    if len(text) > max_len or (cut and text):
        text = text[: max(max_len - 1, 0)].rstrip() + "…"
    return text


def escape_markdown(text: str) -> str:
    """Backslash-escape every markdown-significant character and a leading ordered-list marker."""
    match = _LEADING_ORDERED_LIST.match(text)
    prefix = ""
    if match:
        prefix = match.group(1) + "\\" + match.group(2)
        text = text[match.end() :]
    return prefix + "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)


def md_text(value: object, max_len: int = _LEN_LONG) -> str:
    """User-supplied text ready for a TextBlock or a Fact: cleaned, truncated, then escaped."""
    return escape_markdown(clean_text(value, max_len))


def safe_url(value: object) -> str | None:
    """The URL if it is an absolute http(s) URL with a host and no user info, else None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        return None
    if any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in url):
        return None
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        return None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return None
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, parts.query, parts.fragment))


TEAMS_ENTITY_LINK = "https://teams.microsoft.com/l/entity"
CONSOLE_TAB = "fila"  # the console's staticTabs entityId (appPackage/manifest.json)


def console_link(console_url: object, ticket_id: object = "", teams_app_id: str = "") -> str | None:
    """Where a card's "open the console" button goes: the web console at the ticket (`&senha=`), or,
    when the court installed the Teams app (`teams_app_id`), a Teams deep link to its "Fila" tab with
    the ticket as the sub-page (TeamsJS `context.page.subPageId`) and the web console as `webUrl`, the
    fallback for clients that cannot open the tab."""
    web = safe_url(console_url)
    if web is None:
        return None
    ticket = str(ticket_id or "")
    if ticket:
        parts = urlsplit(web)
        query = urlencode([*parse_qsl(parts.query), ("senha", ticket)])
        web = urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
    if not teams_app_id:
        return web
    params = {"webUrl": web, "label": "Fila do Balcão Virtual"}
    if ticket:
        params["context"] = json.dumps({"subEntityId": ticket}, separators=(",", ":"))
    link = f"{TEAMS_ENTITY_LINK}/{quote(teams_app_id, safe='')}/{CONSOLE_TAB}?{urlencode(params)}"
    return link if len(link) <= MAX_URL_LENGTH else web


def mask_personal_data(text: str) -> str:
    """Mask e-mail addresses and CPF-like numbers (for cards that must carry no personal data)."""
    return _CPF_LIKE.sub("***", _EMAIL.sub("***", text))


# --------------------------------------------------------------------------------------------- elements


def _text(text: str, **props: Any) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, **props}


def _facts(pairs: Iterable[tuple[str, str]]) -> Element | None:
    facts = [{"title": title, "value": value} for title, value in pairs if value]
    return {"type": "FactSet", "facts": facts} if facts else None


def _open_url(title: str, url: str | None) -> Element | None:
    return {"type": "Action.OpenUrl", "title": title, "url": url} if url else None


def _header(title: str, unit_name: str, *, color: str | None = None) -> list[Element]:
    title_props: dict[str, Any] = {"size": "Large", "weight": "Bolder"}
    if color:
        title_props["color"] = color
    return [
        _text(f"Balcão Virtual — {md_text(unit_name, _LEN_UNIT)}", isSubtle=True, size="Small"),
        _text(title, spacing="None", **title_props),
    ]


class _Parts:
    """Body elements and actions of one notification, before they become a card or a coalesced item."""

    def __init__(self, body: list[Element | None], actions: list[Element | None]) -> None:
        self.body = [element for element in body if element]
        self.actions = [action for action in actions if action]


def _data(notification: Notification) -> Mapping[str, Any]:
    data = notification.data
    return data if isinstance(data, Mapping) else {}


def _int_text(value: object) -> str:
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value) if value >= 0 else ""
    if isinstance(value, str) and value.strip().isdigit():
        return str(int(value.strip()))
    return ""


def _label(value: object, labels: Mapping[str, str], max_len: int) -> str:
    key = clean_text(value, max_len)
    return labels.get(key.lower(), md_text(key, max_len)) if key else ""


Format = Callable[[object], str]
_SHORT: Format = partial(md_text, max_len=_LEN_SHORT)
_NAME: Format = partial(md_text, max_len=_LEN_NAME)
_LONG: Format = partial(md_text, max_len=_LEN_LONG)


@dataclass(frozen=True)
class _Field:
    """How a data field is shown on every card: its fact's label and its text (cleaned, truncated to the
    field's length, escaped; or a count)."""

    label: str  # "": shown in a title or a note only
    show: Format = _NAME


_FIELDS: dict[str, _Field] = {
    "display_number": _Field("Senha", _SHORT),
    "role": _Field("Perfil", partial(_label, labels=ROLE_LABELS, max_len=_LEN_SHORT)),
    "reason": _Field("Assunto", _LONG),
    "priority": _Field("Prioridade", partial(_label, labels=PRIORITY_LABELS, max_len=_LEN_NAME)),
    "clerk_name": _Field("Servidor(a)"),
    "waiting_count": _Field("Aguardando", _int_text),
    "minutes_unattended": _Field("", _int_text),
    "ticket_id": _Field("Atendimento"),
    "error": _Field("Erro", _LONG),
    "queue": _Field("Fila"),
    "message_id": _Field("ID da mensagem"),
    "dequeue_count": _Field("Tentativas", _int_text),
    # a poison message's error summary, with no personal data
    "summary": _Field("Resumo", lambda v: escape_markdown(mask_personal_data(clean_text(v, _LEN_SUMMARY)))),
    "starts_at_text": _Field(""),
    "appointment_kind": _Field("Tipo"),
    "invitee_name": _Field("Convidado(a)"),
    "invitee_role": _Field("Como"),
    "invited_by": _Field("Convidado(a) por"),
    "protocol": _Field("Protocolo"),
    "received_at_text": _Field("Recebida"),
    "due_at_text": _Field("Prazo"),
    "overdue_text": _Field("Situação"),
}


@dataclass(frozen=True)
class _Line:
    """A title or a note: `with_value` naming the field `key` when the notification has it, else
    `without`."""

    without: str
    with_value: str = ""
    key: str = ""

    def render(self, data: Mapping[str, Any]) -> str:
        value = _FIELDS[self.key].show(data.get(self.key)) if self.key else ""
        return self.with_value.format(value) if value else self.without


_MEETING = ("clerk_join_url", "join_url")  # the clerk's own link to the meeting is preferred
_CONSOLE = ("console_url",)


@dataclass(frozen=True)
class _Kind:
    """One kind of card as data: the header's title and color, a note, the facts (fields, each with its
    label unless `relabel` gives the card's own; an empty value leaves its fact out), the buttons (label,
    the fields that may hold its URL, the first safe one wins; none leaves the button out) and, when
    `needs_meeting`, a warning if the meeting link is missing."""

    title: _Line
    facts: tuple[str, ...]
    actions: tuple[tuple[str, tuple[str, ...]], ...]
    color: str
    note: _Line = _Line("")
    needs_meeting: bool = False
    relabel: tuple[tuple[str, str], ...] = ()

    def parts(self, n: Notification) -> _Parts:
        d = _data(n)
        note = self.note.render(d)
        no_link = self.needs_meeting and not _first_url(d, _MEETING)
        warning = _text("Link da reunião indisponível.", color="Attention") if no_link else None
        labels = dict(self.relabel)
        facts = _facts(
            (labels.get(key, _FIELDS[key].label), _FIELDS[key].show(d.get(key))) for key in self.facts
        )
        return _Parts(
            [
                *_header(self.title.render(d), n.unit_name, color=self.color),
                _text(note) if note else None,
                facts,
                warning,
            ],
            [_open_url(label, _first_url(d, keys)) for label, keys in self.actions],
        )


def _first_url(d: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    return next((url for url in (safe_url(d.get(key)) for key in keys) if url), None)


_KINDS = {
    "citizen_called": _Kind(
        _Line("Cidadão chamado", "Senha {} chamada", "display_number"),
        facts=("role", "reason", "priority", "clerk_name"),
        actions=(("Entrar na reunião", _MEETING), ("Abrir no console", _CONSOLE)),
        color="Accent",
        needs_meeting=True,
    ),
    "no_clerk_online": _Kind(
        _Line("Ninguém atendendo no balcão"),
        facts=("waiting_count", "display_number"),
        actions=(("Abrir o console do balcão", _CONSOLE),),
        color="Warning",
        note=_Line(
            "Há uma pessoa aguardando e nenhum(a) servidor(a) está online.",
            "A unidade está aberta e ninguém atende há {} minutos.",
            "minutes_unattended",
        ),
        relabel=(("display_number", "Primeira senha"),),
    ),
    "meeting_failed": _Kind(
        _Line("Falha ao criar a reunião", "Falha ao criar a reunião da senha {}", "display_number"),
        facts=("display_number", "ticket_id", "error"),
        actions=(("Abrir o console e tentar de novo", _CONSOLE),),
        color="Attention",
        note=_Line(
            "O atendimento continua registrado como \u201cfalha na reunião\u201d. "
            "Tente de novo pelo console do balcão."
        ),
    ),
    "poison_message": _Kind(
        _Line("Mensagem com falha na fila"),
        facts=("queue", "message_id", "dequeue_count", "summary"),
        actions=(("Abrir o painel administrativo", ("admin_url",)),),
        color="Attention",
        note=_Line("Uma mensagem falhou várias vezes e foi movida para a fila de falhas (poison)."),
    ),
    "appointment_reminder": _Kind(
        _Line("Atendimento agendado em breve", "Atendimento agendado às {}", "starts_at_text"),
        facts=("appointment_kind", "reason"),
        actions=(("Abrir o console do balcão", _CONSOLE), ("Entrar na reunião", _MEETING)),
        color="Accent",
        note=_Line("No horário, a pessoa entra na frente da fila; chame-a pelo console."),
    ),
    "colleague_invited": _Kind(
        _Line("Convite para um atendimento", "{}: convite para um atendimento", "invitee_name"),
        facts=("invitee_name", "invitee_role", "invited_by", "display_number", "reason"),
        actions=(("Entrar na reunião", _MEETING),),
        color="Accent",
        note=_Line("Entre na mesma reunião do atendimento em andamento."),
        needs_meeting=True,
    ),
    "async_overdue": _Kind(
        _Line("Mensagem sem resposta no prazo", "Mensagem {} sem resposta no prazo", "protocol"),
        facts=("protocol", "received_at_text", "due_at_text", "overdue_text"),
        actions=(("Abrir a caixa de mensagens", _CONSOLE),),
        color="Attention",
        note=_Line(
            "O prazo de resposta do canal assíncrono venceu. Responda pela caixa de mensagens do console."
        ),
    ),
}


def _generic(n: Notification) -> _Parts:
    d = _data(n)
    return _Parts(
        [
            *_header("Aviso do Balcão Virtual", n.unit_name),
            _text(md_text(d.get("summary"), _LEN_LONG)) if d.get("summary") else None,
        ],
        [_open_url("Abrir", safe_url(d.get("url")))],
    )


CARD_KINDS = (*_KINDS, "coalesced")


def _parts(notification: Notification) -> _Parts:
    kind = _KINDS.get(notification.kind)
    return kind.parts(notification) if kind else _generic(notification)


def _card(body: list[Element], actions: list[Element]) -> Card:
    card: Card = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body}
    if actions:
        card["actions"] = actions
    return card


# ------------------------------------------------------------------------------------------- public API


def build_card(notification: Notification) -> Card:
    """The card for one notification."""
    parts = _parts(notification)
    return _card(parts.body, parts.actions)


def build_coalesced_card(notifications: Sequence[Notification]) -> Card:
    """One card carrying several notifications (a burst for one webhook), each in its own container
    with its own buttons."""
    if not notifications:
        raise ValueError("no notifications to coalesce")
    return _coalesced([(n, _parts(n)) for n in notifications])


def _coalesced(items: Sequence[tuple[Notification, _Parts]]) -> Card:
    units = {n.unit_name for n, _ in items}
    unit_name = next(iter(units)) if len(units) == 1 else "várias unidades"
    body: list[Element] = [
        _text(f"Balcão Virtual — {md_text(unit_name, _LEN_UNIT)}", isSubtle=True, size="Small"),
        _text(f"{len(items)} avisos", spacing="None", size="Large", weight="Bolder"),
    ]
    for _, parts in items:
        # Drop the per-item unit line when every item is of the same unit (it is in the card header).
        elements = parts.body[1:] if len(units) == 1 else parts.body
        if parts.actions:
            elements = [*elements, {"type": "ActionSet", "actions": parts.actions}]
        body.append({"type": "Container", "separator": True, "spacing": "Medium", "items": elements})
    return _card(body, [])


def to_webhook_payload(card: Card) -> dict[str, Any]:
    """The message a Teams Workflows webhook expects, carrying one Adaptive Card."""
    return {
        "type": "message",
        "attachments": [
            {"contentType": ADAPTIVE_CARD_CONTENT_TYPE, "contentUrl": None, "content": card},
        ],
    }


def serialize_payload(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes sent (compact UTF-8 JSON); the size limit is checked on these."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def build_payloads(
    notifications: Sequence[Notification],
    *,
    max_items_per_card: int = 10,
    max_bytes: int = MAX_PAYLOAD_BYTES,
) -> list[tuple[bytes, list[Notification]]]:
    """Serialized webhook payloads for a batch: one card for a single notification, coalesced cards
    (at most `max_items_per_card` each, each under `max_bytes`) for several. Returns each payload with
    the notifications it carries."""
    if max_items_per_card < 1:
        raise ValueError("max_items_per_card must be at least 1")
    result: list[tuple[bytes, list[Notification]]] = []
    chunk: list[tuple[Notification, _Parts]] = []
    chunk_bytes = b""

    def render(items: list[tuple[Notification, _Parts]]) -> bytes:
        only = items[0][1]
        card = _card(only.body, only.actions) if len(items) == 1 else _coalesced(items)
        return serialize_payload(to_webhook_payload(card))

    for notification in notifications:
        candidate = [*chunk, (notification, _parts(notification))]
        body = render(candidate)
        if chunk and (len(candidate) > max_items_per_card or len(body) > max_bytes):
            result.append((chunk_bytes, [n for n, _ in chunk]))
            candidate = candidate[-1:]
            body = render(candidate)
        if len(body) > max_bytes:  # cannot happen with the truncation limits above; fail loudly if it does
            raise ValueError(f"card for {notification.kind!r} is {len(body)} bytes (limit {max_bytes})")
        chunk, chunk_bytes = candidate, body
    if chunk:
        result.append((chunk_bytes, [n for n, _ in chunk]))
    return result
