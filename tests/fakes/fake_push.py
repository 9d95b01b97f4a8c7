"""A local Web Push service (RFC 8030), served over HTTPS on 127.0.0.1 with a certificate made
for the run (the fake ACS's `make_certificate`), for the real `pywebpush` sender (adapters/notice_push.py).

- `subscribe()` plays the browser: it makes a P-256 key pair and a 16-byte auth secret and returns the
  subscription (`PushSubscription.toJSON()`), keeping the private half to read what arrives.
- Each POST to a subscription's endpoint is recorded with its VAPID check (RFC 8292: the `vapid t=, k=`
  header, the JWT's ES256 signature against `k`, `aud` = the push service's origin, `exp` within 24
  hours, `sub` a mailto:/https: contact) and its body decrypted with `http_ece` (RFC 8291, aes128gcm)
  using the subscriber's private key, as a browser would.
- It answers 201 with a `Location`, or what it is told: `answer_next(404)` (then 410, 429, 500...) for
  the next requests, `answer_always(410)` for every one.

`session()` is a `requests.Session` that trusts the certificate (the adapter takes it).
"""

from __future__ import annotations

import json
import secrets
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import http_ece
import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.fakes.fake_acs import make_certificate
from tests.fakes.local_server import LocalServer
from tests.support.encoding import b64url, unb64url


@dataclass(frozen=True)
class PushReceived:
    subscriber: str
    headers: dict[str, str]
    vapid_ok: bool
    vapid_problem: str
    claims: dict[str, Any]
    payload: dict[str, Any] | None  # decrypted JSON (None when it could not be read)
    at: float  # time.monotonic() on arrival
    status: int


class FakePush(LocalServer):
    def __init__(self) -> None:
        self.received: list[PushReceived] = []
        self._keys: dict[str, tuple[ec.EllipticCurvePrivateKey, bytes]] = {}
        self._next: list[int] = []
        self._always = 0
        self._lock = threading.Condition()
        self._dir = tempfile.TemporaryDirectory(prefix="fake-push-")
        self.cert_file, key_file = make_certificate(Path(self._dir.name))
        super().__init__()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, key_file)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def session(self) -> requests.Session:
        s = requests.Session()
        s.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would win over `verify`
        s.verify = str(self.cert_file)
        return s

    def subscribe(self) -> dict[str, Any]:
        key = ec.generate_private_key(ec.SECP256R1())
        auth = secrets.token_bytes(16)
        subscriber = secrets.token_hex(8)
        with self._lock:
            self._keys[subscriber] = (key, auth)
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{self.origin}/push/{subscriber}",
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(auth)},
        }

    def answer_next(self, *statuses: int) -> None:
        with self._lock:
            self._next.extend(statuses)

    def answer_always(self, status: int) -> None:
        with self._lock:
            self._always = status

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[PushReceived]:
        """The requests received once there are `count` of them (AssertionError after `timeout_s`)."""
        deadline = time.monotonic() + timeout_s
        with self._lock:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.received)} pushes arrived, {count} expected")
                self._lock.wait(left)
            return list(self.received)

    def close(self) -> None:
        super().close()
        self._dir.cleanup()

    # --- what a push service checks -------------------------------------------------------------

    def _vapid(self, headers: dict[str, str]) -> tuple[bool, str, dict[str, Any]]:
        auth = headers.get("authorization", "")
        if not auth.lower().startswith("vapid "):
            return False, "no vapid authorization", {}
        parts = dict(p.strip().split("=", 1) for p in auth[6:].split(",") if "=" in p)
        token, k = parts.get("t", ""), parts.get("k", "")
        try:
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(k))
            claims: dict[str, Any] = jwt.decode(token, key=public, algorithms=["ES256"], audience=self.origin)
        except (ValueError, jwt.PyJWTError) as exc:
            return False, f"bad vapid token: {exc}", {}
        if not 0 < int(claims.get("exp", 0)) - time.time() <= 24 * 3600:
            return False, "exp not within 24 hours", claims
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return False, "sub is not a contact", claims
        return True, "", claims

    def _decrypt(self, subscriber: str, body: bytes) -> dict[str, Any] | None:
        with self._lock:
            found = self._keys.get(subscriber)
        if found is None:
            return None
        key, auth = found
        try:
            plain = http_ece.decrypt(body, private_key=key, auth_secret=auth, version="aes128gcm")
            payload: dict[str, Any] = json.loads(plain)
        except Exception:
            return None
        return payload

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                subscriber = self.path.rpartition("/")[2]
                ok, problem, claims = fake._vapid(headers)
                payload = fake._decrypt(subscriber, body)
                with fake._lock:
                    status = fake._next.pop(0) if fake._next else fake._always or (201 if ok else 403)
                    fake.received.append(
                        PushReceived(
                            subscriber, headers, ok, problem, claims, payload, time.monotonic(), status
                        )
                    )
                    fake._lock.notify_all()
                self.send_response(status)
                if status == 201:
                    self.send_header("Location", f"{fake.origin}/message/{secrets.token_hex(6)}")
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler
