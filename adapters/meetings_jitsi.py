"""Jitsi Meet rooms: the free tool a court without Microsoft 365 can use (CNJ Res. 372/2021, art. 2).

Room names are ``{prefix}-{unit}-{secret part}``: a readable prefix and the unit id (configuration, no
personal data) followed by 32 base32 characters (160 bits) of ``HMAC-SHA256(room_secret, ticket_id)``.
Without the secret nobody can guess a room; with it, a retried message for the same ticket gets the same
room (idempotent across processes, as long as every instance has the same `room_secret`). With no
`room_secret` a random per-instance key is used: still unguessable, idempotent only within the process.

For a secured deployment (prosody ``token`` authentication, shared secret), set `app_id` and
`app_secret`: join links then carry ``?jwt=`` signed HS256 with the jitsi-meet token claims
(``iss`` = app id, ``aud``, ``sub`` = domain/tenant or ``*``, ``room``, ``nbf``, ``exp``, ``iat`` and
``context.user``). The clerk's link (`Meeting.clerk_join_url`) carries ``moderator: true`` and
``affiliation: "owner"``; the citizen's carries neither power. Token times derive from
`MeetingRequest.starts_at` when given, so a retry with the same request yields the same links.
No network call is made.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import SplitResult, quote, urlsplit

import httpx
import jwt

from domain.errors import ProviderError
from domain.ports import Meeting, MeetingRequest

PROVIDER_NAME = "jitsi"
ROOM_RANDOM_CHARS = 32  # base32 characters: 5 bits each, 160 bits
ROOM_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")


def _slug(text: str, max_len: int) -> str:
    return _SLUG_UNSAFE.sub("-", text.lower()).strip("-")[:max_len].strip("-")


def _https(url: str, what: str) -> SplitResult:
    """The parts of `url`, which must be https (plain http only on the loopback, for tests)."""
    parts = urlsplit(url)
    loopback = parts.hostname in ("localhost", "127.0.0.1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValueError(f"{what} must be https")
    return parts


@dataclass(frozen=True)
class _Signer:
    """The deployment's tokens for a room (prosody ``token`` authentication, shared secret, HS256):
    ``iss`` = app id, ``aud``, ``sub``, ``room``, ``iat`` and ``exp``, with any other claims given."""

    app_id: str
    app_secret: str = field(repr=False)
    audience: str
    subject: str

    @staticmethod
    def of(app_id: str | None, app_secret: str | None, audience: str, subject: str) -> _Signer | None:
        return _Signer(app_id, app_secret, audience, subject) if app_id and app_secret else None

    def sign(self, room: str, issued: datetime, expires: datetime, **claims: Any) -> str:
        body: dict[str, Any] = {"iss": self.app_id, "aud": self.audience, "sub": self.subject, "room": room}
        body |= {"iat": int(issued.timestamp()), "exp": int(expires.timestamp()), **claims}
        return jwt.encode(body, self.app_secret, algorithm="HS256")


class JitsiMeetingProvider:
    """`MeetingProvider` for a Jitsi Meet host (``https://meet.jit.si`` or the court's own)."""

    offline = True  # the room's URL (and its JWTs) are computed here: no network

    def __init__(
        self,
        *,
        host_url: str = "https://meet.jit.si",
        room_secret: str | bytes | None = None,
        room_prefix: str = "balcaovirtual",
        app_id: str | None = None,
        app_secret: str | None = None,
        audience: str = "jitsi",
        subject: str = "*",
        token_lifetime: timedelta = timedelta(hours=2),
        not_before_skew: timedelta = timedelta(minutes=5),
        clerk_display_name: str = "Servidor(a) do Balcão Virtual",
        citizen_display_name: str = "Cidadão",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        parts = _https(host_url, "Jitsi host_url")
        if not parts.hostname or parts.query or parts.fragment:
            raise ValueError("Jitsi host_url must be a plain base URL (optionally with a tenant path)")
        if bool(app_id) != bool(app_secret):
            raise ValueError("set both app_id and app_secret for JWT, or neither")
        if app_secret is not None and len(app_secret.encode()) < 32:
            raise ValueError("app_secret must have at least 32 bytes for HS256")
        key = room_secret.encode() if isinstance(room_secret, str) else room_secret
        if key is not None and len(key) < 16:
            raise ValueError("room_secret must have at least 16 bytes")
        self._host_url = host_url.rstrip("/")
        self._room_key = key if key is not None else secrets.token_bytes(32)
        self._prefix = _slug(room_prefix, 24) or "balcao"
        self._signer = _Signer.of(app_id, app_secret, audience, subject)
        self._token_lifetime = token_lifetime
        self._not_before_skew = not_before_skew
        self._clerk_name = clerk_display_name
        self._citizen_name = citizen_display_name
        self._clock = clock or (lambda: datetime.now(UTC))

    def __repr__(self) -> str:  # never show the secrets
        return f"JitsiMeetingProvider(host_url={self._host_url!r}, jwt={self.uses_jwt})"

    @property
    def uses_jwt(self) -> bool:
        return self._signer is not None

    def room_name(self, request: MeetingRequest) -> str:
        """The room of this attendance: deterministic per ticket under one `room_secret`."""
        if not request.ticket_id:
            raise ProviderError("Atendimento sem identificador.")
        digest = hmac.new(self._room_key, b"jitsi-room\x00" + request.ticket_id.encode(), hashlib.sha256)
        random_part = base64.b32encode(digest.digest()[:20]).decode().lower()  # 160 bits, 32 chars
        unit = _slug(request.unit_id, 32)
        return "-".join(part for part in (self._prefix, unit, random_part) if part)

    def create(self, request: MeetingRequest) -> Meeting:
        room = self.room_name(request)
        base = f"{self._host_url}/{quote(room)}"
        if not self.uses_jwt:
            return Meeting(join_url=base, provider=PROVIDER_NAME, meeting_id=room)
        citizen = self._token(room, request, moderator=False)
        clerk = self._token(room, request, moderator=True)
        return Meeting(
            join_url=f"{base}?jwt={citizen}",
            provider=PROVIDER_NAME,
            meeting_id=room,
            clerk_join_url=f"{base}?jwt={clerk}",
        )

    def _token(self, room: str, request: MeetingRequest, *, moderator: bool) -> str:
        assert self._signer is not None
        start = request.starts_at or self._clock()
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        user: dict[str, Any] = {
            "id": f"{'clerk' if moderator else 'citizen'}-{hashlib.sha256(room.encode()).hexdigest()[:12]}",
            "name": self._clerk_name if moderator else self._citizen_name,
            "moderator": moderator,
            "affiliation": "owner" if moderator else "member",
        }
        not_before = int((start - self._not_before_skew).timestamp())
        return self._signer.sign(
            room, start, start + self._token_lifetime, nbf=not_before, context={"user": user}
        )


class JitsiRoomCensus:
    """`domain.rooms.RoomCensus` for a Jitsi server with prosody's `mod_muc_size` enabled: `GET
    {room_size_url}?room=<room>&domain=<xmpp domain>` answers `{"participants": n}` (the focus
    component not counted), 404 for a room nobody has opened (0 people). When the server verifies
    tokens on that endpoint (`enable_roomsize_token_verification`), set `app_id`/`app_secret` as for the
    rooms: the request carries `&token=` signed the same way. Any other answer, or no answer within
    `timeout_s`, is "cannot tell" (None), never an error for the console."""

    def __init__(
        self,
        room_size_url: str,
        xmpp_domain: str,
        *,
        app_id: str | None = None,
        app_secret: str | None = None,
        audience: str = "jitsi",
        subject: str = "*",
        timeout_s: float = 2.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        _https(room_size_url, "JITSI_ROOM_SIZE_URL")
        self._url = room_size_url
        self._domain = xmpp_domain
        self._signer = _Signer.of(app_id, app_secret, audience, subject)
        self._timeout = timeout_s
        self._clock = clock or (lambda: datetime.now(UTC))

    def participants(self, meeting_id: str) -> int | None:
        params = {"room": meeting_id.lower(), "domain": self._domain}
        if self._signer is not None:
            now = self._clock()
            params["token"] = self._signer.sign(params["room"], now, now + timedelta(minutes=5))
        try:
            response = httpx.get(self._url, params=params, timeout=self._timeout, follow_redirects=False)
        except httpx.HTTPError:
            return None
        if response.status_code == 404:
            return 0
        if response.status_code != 200:
            return None
        try:
            count = response.json().get("participants")
        except (ValueError, AttributeError):
            return None
        return count if isinstance(count, int) and count >= 0 else None
