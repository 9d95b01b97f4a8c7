"""What the Azure Communication Services channels share (issue 13): credentials, the bounded retry
policy, the client options, and the translation of the SDKs' errors into domain errors.

- **Credentials**: `ACS_CONNECTION_STRING` (``endpoint=https://…;accesskey=…``: the SDKs sign each
  request with HMAC-SHA256) locally and in tests; otherwise `ACS_ENDPOINT` with the function app's
  managed identity (`ManagedIdentityCredential`, the user-assigned identity named by `AZURE_CLIENT_ID`,
  Entra ID tokens for ``https://communication.azure.com/.default``). The SDKs' `from_connection_string`
  always talk https to the endpoint's host, so the local fake serves TLS (tests/fakes/fake_acs.py).
- **Retries**: the SDKs' own `RetryPolicy`, bounded (`AcsRetryPolicy`): at most `RETRIES` (2) more
  attempts, only on 408/409/429/500/502/503/504 and connection errors, 0.25 s then 0.5 s apart (or the
  server's ``Retry-After`` when it is at most `MAX_WAIT_S`, 2 s; a longer one ends the attempts at once,
  so the queue waits instead of a worker), each attempt at most `ATTEMPT_TIMEOUT_S` (3 s) to connect
  and to read, the whole send at most `SEND_TIMEOUT_S` (8 s) of attempts. Retrying a send is safe: SMS
  and WhatsApp requests carry the repeatability id the SDK gives each call (the service drops a
  repeat), and the e-mail adapter adds the same headers itself (the e-mail SDK does not).
- **Errors**: 408, 409 (a repeat of a request still in progress), 429, 5xx, timeouts and connection
  errors → `TransientProviderError`; every other answer (400 invalid number, address or template
  values, 401/403 credentials or role, 404 unknown channel or template, 413, 422, ...) →
  `ProviderError`. The domain error carries the channel, the HTTP status and the service's error code,
  never the service's message: an error message may quote the recipient, so the SDK's exception is not
  chained (``from None``) and never logged.
- **Logging**: the SDKs' `HttpLoggingPolicy` logs request URLs and headers at INFO. No ACS send puts a
  contact in its URL or in a header (the contact is in the body, which is never logged:
  `logging_enable` stays off), and headers outside the policy's allowlist are redacted.
"""

from __future__ import annotations

import email.utils
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from azure.core.credentials import TokenCredential
from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.pipeline import PipelineResponse
from azure.core.pipeline.policies import RetryPolicy

from domain.errors import ProviderError, TransientProviderError
from domain.ports import CitizenNotice, NoticeChannelName

RETRIES = 2
BACKOFF_FACTOR_S = 0.25
MAX_WAIT_S = 2.0
ATTEMPT_TIMEOUT_S = 3
SEND_TIMEOUT_S = 8
TRANSIENT_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})

# What one channel is called in a pt-BR message.
_CHANNEL_LABEL = {"sms": "SMS", "email": "e-mail", "whatsapp": "WhatsApp"}


class AcsRetryPolicy(RetryPolicy):  # type: ignore[type-arg]  # generic only in its stubs
    """azure-core's retry policy, bounded so one send never holds a queue worker for long."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            retry_total=RETRIES,
            retry_connect=RETRIES,
            retry_read=RETRIES,
            retry_status=RETRIES,
            retry_backoff_factor=BACKOFF_FACTOR_S,
            retry_backoff_max=MAX_WAIT_S,
            timeout=SEND_TIMEOUT_S,
            **kwargs,
        )
        # Every ACS send is a POST made repeatable by its request id: retry it like a GET.
        self._method_whitelist = frozenset({*self._method_whitelist, "POST"})

    def is_retry(self, settings: dict[str, Any], response: PipelineResponse[Any, Any]) -> bool:
        if response.http_response.status_code not in TRANSIENT_STATUS:
            return False  # azure-core would retry any 4xx that carries a Retry-After
        retry_after = self.get_retry_after(response)
        if retry_after is not None and retry_after > MAX_WAIT_S:
            return False  # the queue waits it out, not this worker
        return bool(settings["total"])

    def get_backoff_time(self, settings: dict[str, Any]) -> float:
        # azure-core starts waiting only from the second retry; wait before the first one too.
        attempts = len(settings["history"])
        return float(min(settings["max_backoff"], settings["backoff"] * (2 ** max(attempts - 1, 0))))


def client_options(connection_verify: bool | str = True) -> dict[str, Any]:
    """Keyword arguments every ACS client is built with. `connection_verify` is a CA bundle in tests."""
    return {
        "retry_policy": AcsRetryPolicy(),
        "connection_timeout": ATTEMPT_TIMEOUT_S,
        "read_timeout": ATTEMPT_TIMEOUT_S,
        "connection_verify": connection_verify,
        "logging_enable": False,
    }


def configured(value: str | None) -> str:
    """A setting's value, or "" when absent, blank or an unresolved Key Vault reference."""
    value = (value or "").strip()
    return "" if value.startswith("@Microsoft.KeyVault(") else value


def managed_identity(settings: Mapping[str, str]) -> TokenCredential:
    """The function app's managed identity (user-assigned when `AZURE_CLIENT_ID` names it)."""
    from azure.identity import ManagedIdentityCredential

    client_id = configured(settings.get("AZURE_CLIENT_ID"))
    return ManagedIdentityCredential(client_id=client_id) if client_id else ManagedIdentityCredential()


ClientT = TypeVar("ClientT")


class AcsChannel(Generic[ClientT]):
    """A citizen-notice channel over one ACS SDK client, sending as the court's `sender`: its e-mail
    address, its SMS number or its WhatsApp channel registration id."""

    name: NoticeChannelName

    def __init__(self, client: ClientT, sender: str) -> None:
        self._client = client
        self._sender = sender


def text_with_link(notice: CitizenNotice) -> str:
    """The notice's text, then its link on a line of its own unless the text already has it."""
    if not notice.link or notice.link in notice.text:
        return notice.text
    return f"{notice.text}\n{notice.link}"


def repeatability_headers() -> dict[str, str]:
    """OASIS repeatable-request headers: one id per send, kept by the SDK's retries of it."""
    return {
        "Repeatability-Request-ID": str(uuid.uuid4()),
        "Repeatability-First-Sent": email.utils.format_datetime(datetime.now(UTC), usegmt=True),
    }


def _error_code(error: HttpResponseError) -> str:
    code = getattr(error, "error", None)
    value = getattr(code, "code", None) if code is not None else None
    return str(value or "")[:64]


def status_error(
    channel: str, status: int, code: str = "", retry_after: float | None = None
) -> ProviderError:
    """The domain error for an ACS answer `status` (an HTTP status, or one recipient's status)."""
    label = _CHANNEL_LABEL.get(channel, channel)
    details: dict[str, Any] = {"channel": channel, "status": status, "code": code}
    if retry_after is not None:
        details["retry_after"] = retry_after
    if status in TRANSIENT_STATUS:
        return TransientProviderError(
            f"O serviço de {label} está indisponível no momento; o aviso será tentado de novo.", **details
        )
    return ProviderError(f"O serviço de {label} recusou o aviso (HTTP {status}).", **details)


def translated(channel: str, error: AzureError) -> ProviderError:
    """The domain error for an azure-core error. Raise it ``from None``: the SDK's exception carries the
    service's message, which may quote the recipient."""
    label = _CHANNEL_LABEL.get(channel, channel)
    if isinstance(error, HttpResponseError) and error.status_code is not None:
        response: Any = error.response
        header = response.headers.get("Retry-After") if response is not None else None
        return status_error(channel, int(error.status_code), _error_code(error), _seconds(header))
    if isinstance(error, ServiceRequestError | ServiceResponseError):
        return TransientProviderError(
            f"Sem resposta do serviço de {label}; o aviso será tentado de novo.",
            channel=channel,
            reason=type(error).__name__,
        )
    # Credential errors without an answer (a token could not be fetched) and anything else the SDK
    # raised before reaching the service: worth another try later.
    return TransientProviderError(
        f"Não foi possível falar com o serviço de {label}.", channel=channel, reason=type(error).__name__
    )


def _seconds(header: str | None) -> float | None:
    if not header:
        return None
    try:
        return float(header)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
