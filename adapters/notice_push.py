"""Web Push (RFC 8030) with VAPID (RFC 8292), the payload encrypted per RFC 8291 (aes128gcm): the
`push` CitizenChannel, through `pywebpush`.

The payload is the JSON the service worker shows (site/sw.js, issue 13's contract):
`{"kind", "title", "body", "url", "ticket", "actions": [{"action", "title"}]}`; `url` is the citizen's
own page with the ticket's token in the fragment (`#u=<unit>&t=<ticket>.<token>`), which the worker
also reads to answer "Estou aqui" (`POST /api/tickets/{ticket}/here`).

The push service's answer is translated at the boundary: 201/202 → the message's id (its `Location`),
404/410 → `ContactGoneError` (the subscription expired or was withdrawn: the ticket drops it), 429, 5xx,
timeouts and connection errors → `TransientProviderError`, anything else → `ProviderError`. The
subscription (personal data) and the push service's answer are never logged nor put in an error.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from domain.errors import ContactGoneError, ProviderError, TransientProviderError
from domain.ports import CitizenNotice, NoticeChannelName

TTL_S = 15 * 60  # a notice older than a quarter of an hour is of no use (the page polls meanwhile)
TIMEOUT_S = 10.0


def payload_of(notice: CitizenNotice) -> dict[str, Any]:
    """What the service worker receives (module docstring)."""
    fragment = parse_qs(urlsplit(notice.link).fragment)
    handle = (fragment.get("t") or [""])[0]
    ticket = ".".join(handle.split(".")[:3])
    return {
        "kind": notice.kind,
        "title": notice.title,
        "body": notice.text,
        "url": notice.link,
        "ticket": ticket,
        "actions": [{"action": action, "title": title} for action, title in notice.actions],
    }


class WebPushChannel:
    """`CitizenChannel` "push". `private_key`: the VAPID private key, base64url of the raw 32-byte P-256
    scalar (PUSH_VAPID_PRIVATE_KEY); `subject`: the court's `mailto:` (PUSH_VAPID_SUBJECT). `session`:
    the HTTP session (tests: one that trusts the local fake push service's certificate)."""

    name: NoticeChannelName = "push"

    def __init__(
        self,
        private_key: str,
        subject: str,
        *,
        ttl_s: int = TTL_S,
        timeout_s: float = TIMEOUT_S,
        session: requests.Session | None = None,
    ) -> None:
        self._vapid = Vapid02.from_string(private_key)
        self._subject = subject
        self._ttl_s = ttl_s
        self._timeout_s = timeout_s
        self._session = session or requests.Session()

    def send(self, notice: CitizenNotice) -> str:
        subscription = json.loads(notice.contact)
        try:
            answer = webpush(
                subscription,
                json.dumps(payload_of(notice), ensure_ascii=False),
                vapid_private_key=self._vapid,
                vapid_claims={"sub": self._subject},
                ttl=self._ttl_s,
                timeout=self._timeout_s,
                requests_session=self._session,
            )
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if status in (404, 410):
                raise ContactGoneError("A inscrição para notificações não existe mais.") from None
            if status == 429 or status >= 500 or status == 0:
                raise TransientProviderError(
                    f"O serviço de notificações respondeu {status}.", reason=f"push_{status}"
                ) from None
            raise ProviderError(f"O serviço de notificações recusou o aviso ({status}).") from None
        except (requests.Timeout, requests.ConnectionError):
            raise TransientProviderError(
                "O serviço de notificações não respondeu.", reason="push_unreachable"
            ) from None
        if isinstance(answer, str):  # pywebpush's `curl` mode, never used here
            return answer
        return str(answer.headers.get("Location") or f"push-{answer.status_code}")


def new_vapid_keys() -> tuple[str, str]:
    """A fresh VAPID key pair (public, private), base64url: the uncompressed P-256 point the pages
    subscribe with, and the raw 32-byte private scalar (`make run` writes one into local.settings.json;
    in Azure the private key is a Key Vault secret)."""
    from base64 import urlsafe_b64encode

    from cryptography.hazmat.primitives import serialization

    vapid = Vapid02()
    vapid.generate_keys()
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    return (
        urlsafe_b64encode(public).decode().rstrip("="),
        urlsafe_b64encode(private).decode().rstrip("="),
    )
