"""How a citizen asked to be told off the page (issue 13): the channels and their contacts, validated.

A contact is personal data (LGPD): it is kept only with the ticket (a companion row of the ticket's
partition, purged and erased with it: domain/retention.py), never in a queue message, a log line or a
span. The queue state keeps only the channel names (domain/queue.py `Reach`), so that a poll and the
upkeep know who is reachable without reading any contact.

- **Phones** (SMS, WhatsApp) in E.164: `+55`, a two-digit area code (DDD) of Anatel's list below, and a
  mobile number (9 digits, starting with 9: SMS and WhatsApp reach mobiles only). Spaces, dots,
  hyphens and parentheses typed around the digits are dropped.
- **E-mail**: one address, at most 254 characters (RFC 5321 §4.5.3.1.3), a local part of at most 64, a
  domain of dot-separated labels ending in a letter-only top-level label; no quoted local parts, no
  address literals.
- **Web Push subscription** (`PushSubscription.toJSON()`): an `https` endpoint of at most 1,024
  characters on a push service's host (`PUSH_HOSTS`, or the deployment's list), `keys.p256dh` the
  base64url of an uncompressed P-256 point (65 bytes, first byte 0x04: RFC 8291 §3.1) and `keys.auth`
  the base64url of 16 bytes (RFC 8291 §3.2).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from domain.errors import InvalidInputError
from domain.people import Problems

# Area codes (DDD) in use in Brazil, by state: the 67 "Códigos Nacionais" of Anatel's table
# (https://www.gov.br/anatel/pt-br/regulado/numeracao/codigos-nacionais).
DDD_BY_STATE: Mapping[str, tuple[int, ...]] = {
    "SP": (11, 12, 13, 14, 15, 16, 17, 18, 19),
    "RJ": (21, 22, 24),
    "ES": (27, 28),
    "MG": (31, 32, 33, 34, 35, 37, 38),
    "PR": (41, 42, 43, 44, 45, 46),
    "SC": (47, 48, 49),
    "RS": (51, 53, 54, 55),
    "DF": (61,),
    "GO": (62, 64),
    "TO": (63,),
    "MT": (65, 66),
    "MS": (67,),
    "AC": (68,),
    "RO": (69,),
    "BA": (71, 73, 74, 75, 77),
    "SE": (79,),
    "PE": (81, 87),
    "AL": (82,),
    "PB": (83,),
    "RN": (84,),
    "CE": (85, 88),
    "PI": (86, 89),
    "PA": (91, 93, 94),
    "AM": (92, 97),
    "RR": (95,),
    "AP": (96,),
    "MA": (98, 99),
}
DDDS = frozenset(code for codes in DDD_BY_STATE.values() for code in codes)

# Hosts of the push services of the browsers in use (Chrome/Edge/Samsung: FCM; Firefox: Mozilla;
# Edge on Windows: WNS; Safari: Apple). A subscription's endpoint must be on one of them (or under it),
# so that the push adapter never posts to an address a caller chose. A deployment may list others
# (PUSH_ENDPOINT_HOSTS).
PUSH_HOSTS = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    "updates.push.services.mozilla.com",
    "notify.windows.com",
    "push.apple.com",
)

PHONE_CHANNELS = ("sms", "whatsapp")
ENDPOINT_MAX = 1024
EMAIL_MAX = 254
P256DH_BYTES = 65
AUTH_BYTES = 16
_PHONE = re.compile(r"^\+55(\d{2})(9\d{8})$")
_TYPED_AROUND = re.compile(r"[\s().\-]")
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")

LABELS = {"push": "notificação no celular", "whatsapp": "WhatsApp", "sms": "SMS", "email": "e-mail"}


def normalize_phone(raw: str) -> str:
    """The number in E.164 (`+55DD9XXXXXXXX`), or InvalidInputError in plain pt-BR."""
    digits = _TYPED_AROUND.sub("", raw or "")
    match = _PHONE.match(digits)
    if not match:
        raise InvalidInputError(
            "informe o celular com +55, o DDD e os 9 números, por exemplo +55 92 99123-4567"
        )
    if int(match[1]) not in DDDS:
        raise InvalidInputError(f"o DDD {match[1]} não existe no Brasil")
    return digits


def normalize_email(raw: str) -> str:
    """The address (domain lower-cased), or InvalidInputError."""
    text = (raw or "").strip()
    local, at, domain = text.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or len(text) > EMAIL_MAX
        or not 0 < len(local) <= 64
        or not _LOCAL.match(local)
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or not labels[-1].isalpha()
        or len(labels[-1]) < 2
    ):
        raise InvalidInputError("informe um e-mail válido, por exemplo maria@exemplo.com.br")
    return f"{local}@{domain.lower()}"


def _b64url_bytes(value: Any) -> bytes | None:
    if not isinstance(value, str) or not _B64URL.match(value):
        return None
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        return None


def _on_push_host(host: str, hosts: Collection[str]) -> bool:
    return any(host == h or host.endswith("." + h) for h in hosts)


def normalize_subscription(raw: Any, hosts: Collection[str] = PUSH_HOSTS) -> str:
    """The subscription as compact JSON (`{"endpoint", "keys": {"p256dh", "auth"}}`), or
    InvalidInputError naming what is wrong."""
    if not isinstance(raw, Mapping):
        raise InvalidInputError("a inscrição para notificações veio incompleta")
    endpoint = raw.get("endpoint")
    keys = raw.get("keys")
    if not isinstance(endpoint, str) or not isinstance(keys, Mapping):
        raise InvalidInputError("a inscrição para notificações veio incompleta")
    if len(endpoint) > ENDPOINT_MAX:
        raise InvalidInputError(f"o endereço da inscrição passa de {ENDPOINT_MAX} caracteres")
    parts = urlsplit(endpoint)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise InvalidInputError("o endereço da inscrição precisa começar com https://")
    if not _on_push_host(parts.hostname.lower(), hosts):
        raise InvalidInputError("o endereço da inscrição não é de um serviço de notificações conhecido")
    p256dh, auth = _b64url_bytes(keys.get("p256dh")), _b64url_bytes(keys.get("auth"))
    if p256dh is None or len(p256dh) != P256DH_BYTES or p256dh[0] != 4:
        raise InvalidInputError("a chave p256dh da inscrição é inválida")
    if auth is None or len(auth) != AUTH_BYTES:
        raise InvalidInputError("a chave auth da inscrição é inválida")
    return json.dumps(
        {"endpoint": endpoint, "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}},
        separators=(",", ":"),
    )


@dataclass(frozen=True)
class NoticeRequest:
    """One item of a `notices` list as typed (not validated yet)."""

    channel: str
    phone: str = ""
    email: str = ""
    subscription: Mapping[str, Any] | None = None


CONTACT_FIELD = {"sms": "phone", "whatsapp": "phone", "email": "email", "push": "subscription"}


def _contact(item: NoticeRequest, push_hosts: Collection[str]) -> str:
    if item.channel in PHONE_CHANNELS:
        return normalize_phone(item.phone)
    if item.channel == "email":
        return normalize_email(item.email)
    return normalize_subscription(item.subscription, push_hosts)


def parse_notices(
    items: Sequence[NoticeRequest], offered: Collection[str], push_hosts: Collection[str] = PUSH_HOSTS
) -> dict[str, str]:
    """Channel → contact (normalized), at most one per channel and only channels the unit offers, or
    InvalidInputError naming each bad field (`notices[1].phone`) in pt-BR."""
    problems = Problems()
    out: dict[str, str] = {}
    for i, item in enumerate(items):
        where = f"notices[{i}]"
        if item.channel not in offered:
            problems.add(f"{where}.channel", "esta unidade não avisa por este meio")
            continue
        if item.channel in out:
            problems.add(f"{where}.channel", "escolha cada meio de aviso uma vez só")
            continue
        field = CONTACT_FIELD[item.channel]
        contact = problems.check(lambda it=item: _contact(it, push_hosts), f"{where}.{field}", "")  # type: ignore[misc]
        if contact:
            out[item.channel] = contact
    if problems.fields:
        first = next(iter(problems.fields))
        raise InvalidInputError(f"Verifique como quer ser avisado(a) ({first}).", fields=problems.fields)
    return out


def channels_text(names: Sequence[str]) -> str:
    """ "WhatsApp e SMS": the channels, in plain words, for the console."""
    words = [LABELS.get(n, n) for n in names]
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " e " + words[-1]
