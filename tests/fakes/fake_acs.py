"""A local stand-in for Azure Communication Services (SMS, e-mail, Advanced Messaging), served over TLS
on 127.0.0.1 for the real `azure-communication-*` SDKs.

The SDKs' `from_connection_string` always speak https to the endpoint's host, so the fake serves TLS
with a certificate made for the test run (`make_certificate`: self-signed, for the IP 127.0.0.1); the
clients trust it through azure-core's `connection_verify` (a CA bundle path), or, in another process
such as the dev host, through ``REQUESTS_CA_BUNDLE`` (azure-core's requests transport honours it).

Like ACS, it verifies each request's HMAC-SHA256 signature (the access-key scheme): the
``Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=…`` header,
the body's SHA-256 in ``x-ms-content-sha256``, an ``x-ms-date`` within 15 minutes, and the signature of
``"{METHOD}\\n{path and query}\\n{x-ms-date};{host};{content hash}"`` with the base64-decoded key; any
mismatch is 401 and nothing is recorded as sent.

Routes (paths and api-versions of the SDKs pinned in requirements.txt):
- ``POST /sms?api-version=2021-03-07``: 202 with a status per recipient; a number that is not E.164, or
  one the test rejects (`reject`), gets ``successful: false`` and 400, its error message quoting it.
- ``POST /emails:send?api-version=2025-09-01``: 202 ``{"id", "status": "Running"}`` and an
  ``Operation-Location``; a malformed address is 400.
- ``POST /messages/notifications:send?api-version=2024-08-30``: 202 with a receipt; an unknown channel
  or template (`templates`: name → number of values) or a wrong number of values is 400; a free-form
  text (``kind: text``) needs 1 to 4,096 characters of ``content``.
A request repeated with the same repeatability id (SMS: per recipient in the body; e-mail and
WhatsApp: the ``Repeatability-Request-ID`` header) is answered like the first and not sent again.

`fail_next(status, times, retry_after)` makes the next signed requests fail (429, 500, ...), with an
error message that quotes the recipient (as a careless service might), so tests can show the adapters
never pass it on. `received` holds every signed request; `sent` what was accepted once.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import hmac
import ipaddress
import json
import re
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from azure.core.pipeline.transport import RequestsTransport
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.fakes.local_server import LocalServer

API_VERSIONS = {
    "/sms": "2021-03-07",
    "/emails:send": "2025-09-01",
    "/messages/notifications:send": "2024-08-30",
}
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_AUTH = re.compile(r"^HMAC-SHA256 SignedHeaders=([^&]+)&Signature=(.+)$")
_CLOCK_SKEW = dt.timedelta(minutes=15)


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (also its own CA): (certificate PEM, private key PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-acs.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fake-acs.pem", directory / "fake-acs.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def record_sleeps(monkeypatch: Any) -> list[float]:
    """azure-core's retry policy waits through its transport's `sleep`: record the waits instead of
    sleeping them (the tests assert the back-off without spending it)."""
    sleeps: list[float] = []
    monkeypatch.setattr(RequestsTransport, "sleep", lambda _self, seconds: sleeps.append(float(seconds)))
    return sleeps


def signature(key: str, method: str, path_and_query: str, date: str, host: str, content_hash: str) -> str:
    """ACS's HMAC-SHA256 request signature, computed from the documented string to sign."""
    to_sign = f"{method}\n{path_and_query}\n{date};{host};{content_hash}"
    digest = hmac.new(base64.b64decode(key), to_sign.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True)
class Received:
    method: str
    path: str  # without the query
    api_version: str
    headers: dict[str, str]
    body: Any
    status: int  # what the fake answered
    answer: Any  # the JSON it answered


@dataclass
class _Failure:
    status: int
    times: int
    retry_after: str | None


@dataclass
class FakeAcs(LocalServer):
    access_key: str
    certificate: tuple[Path, Path]
    whatsapp_channel: str = "balcao-whatsapp-channel"
    templates: dict[str, int] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    sent: list[Received] = field(default_factory=list)
    unsigned: int = 0  # requests refused with 401
    rejected: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._failures: list[_Failure] = []
        self._answers: dict[str, tuple[int, Any]] = {}  # repeatability id → first answer
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*map(str, self.certificate))
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)

    # ------------------------------------------------------------------------------------- control

    @property
    def endpoint(self) -> str:
        return self.base_url.replace("http://", "https://")

    def connection_string(self, key: str | None = None) -> str:
        return f"endpoint={self.endpoint}/;accesskey={key or self.access_key}"

    def fail_next(self, status: int, times: int = 1, retry_after: str | None = None) -> None:
        with self._lock:
            self._failures.append(_Failure(status, times, retry_after))

    def reject(self, recipient: str) -> None:
        """The service refuses this recipient (SMS: per recipient; e-mail, WhatsApp: 400)."""
        self.rejected.add(recipient)

    def sent_to(self, path: str) -> list[Received]:
        return [r for r in self.sent if r.path == path]

    # ------------------------------------------------------------------------------------- serving

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # no request lines on stderr

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, body, headers = fake._answer(self.command, self.path, dict(self.headers), raw)
                payload = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler

    def _signed(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> bool:
        lower = {k.lower(): v for k, v in headers.items()}
        match = _AUTH.match(lower.get("authorization", ""))
        if not match or match.group(1) != "x-ms-date;host;x-ms-content-sha256":
            return False
        content_hash = base64.b64encode(hashlib.sha256(raw).digest()).decode("ascii")
        if lower.get("x-ms-content-sha256") != content_hash:
            return False
        date = lower.get("x-ms-date", "")
        try:
            when = email.utils.parsedate_to_datetime(date)
        except (TypeError, ValueError):
            return False
        if abs(dt.datetime.now(dt.UTC) - when) > _CLOCK_SKEW:
            return False
        expected = signature(self.access_key, method, target, date, lower.get("host", ""), content_hash)
        return hmac.compare_digest(expected, match.group(2))

    def _answer(
        self, method: str, target: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        if not self._signed(method, target, headers, raw):
            with self._lock:
                self.unsigned += 1
            return 401, {"error": {"code": "Denied", "message": "Denied by the resource provider."}}, {}
        parts = urlsplit(target)
        query = dict(p.partition("=")[::2] for p in parts.query.split("&") if p)
        body = json.loads(raw) if raw else None
        status, answer, extra, repeat_id = self._route(
            parts.path, query.get("api-version", ""), body, headers
        )
        with self._lock:
            repeat = status == 202 and repeat_id in self._answers
            if repeat:
                status, answer = self._answers[repeat_id]  # a repeat: the first answer, nothing sent
            record = Received(method, parts.path, query.get("api-version", ""), headers, body, status, answer)
            self.received.append(record)
            if status == 202 and not repeat and _delivered(answer):
                self.sent.append(record)
                if repeat_id:
                    self._answers[repeat_id] = (status, answer)
        return status, answer, extra

    def _injected(self, recipient: str) -> tuple[int, Any, dict[str, str]] | None:
        with self._lock:
            if not self._failures:
                return None
            failure = self._failures[0]
            failure.times -= 1
            if failure.times <= 0:
                self._failures.pop(0)
        extra = {"Retry-After": failure.retry_after} if failure.retry_after else {}
        message = f"Request for {recipient} could not be processed now."  # quotes the recipient
        return failure.status, {"error": {"code": "ServiceUnavailable", "message": message}}, extra

    def _route(
        self, path: str, api_version: str, body: Any, headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str], str]:
        if path not in API_VERSIONS or API_VERSIONS[path] != api_version or not isinstance(body, dict):
            return 400, {"error": {"code": "BadRequest", "message": "Unknown route or api-version."}}, {}, ""
        lower = {k.lower(): v for k, v in headers.items()}
        if path == "/sms":
            recipients = body.get("smsRecipients") or [{}]
            failed = self._injected(str(recipients[0].get("to", "")))
            if failed:
                return (*failed, "")
            return (
                202,
                {"value": [self._sms_result(r) for r in recipients]},
                {},
                recipients[0].get("repeatabilityRequestId", ""),
            )
        if path == "/emails:send":
            addresses = [r.get("address", "") for r in (body.get("recipients") or {}).get("to", [])]
            failed = self._injected(",".join(addresses))
            if failed:
                return (*failed, "")
            if not addresses or any(not EMAIL.match(a) or a in self.rejected for a in addresses):
                message = f"Invalid e-mail address: {','.join(addresses)}"
                return 400, _error("InvalidRecipient", message), {}, ""
            op = str(uuid.uuid4())
            location = f"{self.endpoint}/emails/operations/{op}?api-version={api_version}"
            return (
                202,
                {"id": op, "status": "Running"},
                {"Operation-Location": location},
                lower.get("repeatability-request-id", ""),
            )
        numbers = [str(t) for t in body.get("to") or []]
        failed = self._injected(",".join(numbers))
        if failed:
            return (*failed, "")
        template = body.get("template") or {}
        values = template.get("values") or []
        if body.get("channelRegistrationId") != self.whatsapp_channel:
            return 400, _error("InvalidChannel", "Unknown channel registration id."), {}, ""
        text = body.get("content")
        if (
            body.get("kind") == "text"
        ):  # free-form, inside the 24-hour window (WhatsApp: up to 4,096 characters)
            if not isinstance(text, str) or not text.strip() or len(text) > 4096:
                return 400, _error("InvalidContent", "Text content must have 1 to 4096 characters."), {}, ""
        elif body.get("kind") != "template" or self.templates.get(template.get("name", "")) != len(values):
            return 400, _error("InvalidTemplate", "Unknown template or wrong number of values."), {}, ""
        if not numbers or any(not E164.match(t) or t in self.rejected for t in numbers):
            return 400, _error("InvalidRecipient", f"Invalid recipient: {','.join(numbers)}"), {}, ""
        receipts = [{"messageId": str(uuid.uuid4()), "to": t} for t in numbers]
        return 202, {"receipts": receipts}, {}, lower.get("repeatability-request-id", "")

    def _sms_result(self, recipient: dict[str, Any]) -> dict[str, Any]:
        to = str(recipient.get("to", ""))
        if not E164.match(to) or to in self.rejected:
            return {
                "to": to,
                "httpStatusCode": 400,
                "successful": False,
                "errorMessage": f"Invalid To phone number: {to}",
            }
        return {
            "to": to,
            "messageId": f"Outgoing_{uuid.uuid4()}_noam",
            "httpStatusCode": 202,
            "repeatabilityResult": "accepted",
            "successful": True,
        }


def _delivered(answer: Any) -> bool:
    """Whether a 202 sent anything: an SMS request whose every recipient failed sent nothing."""
    results = answer.get("value") if isinstance(answer, dict) else None
    return results is None or any(r.get("successful") for r in results)


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}
