"""Teams meetings through Microsoft Graph (msgraph-sdk): one online meeting per attendance.

`create` calls ``POST /users/{organizer}/onlineMeetings/createOrGet`` with ``externalId`` = the ticket id,
so a retried queue message gets the meeting already created instead of a second one, then
``PATCH /users/{organizer}/onlineMeetings/{id}`` with ``lobbyBypassSettings`` so the citizen waits in the
lobby until a clerk admits them (skipped when the meeting already has those settings, as on a retry).
The organizer is the unit's service account; the app needs ``OnlineMeetings.ReadWrite.All`` and an
application access policy granted to that account.

Lobby scope: the default is ``organization`` (people of the court's tenant, the clerks, go straight in;
an anonymous citizen waits in the lobby). ``organizer`` puts *everyone* but the organizer in the lobby,
and the organizer is a service account that never joins, so nobody could admit anybody; use it only if
clerks are made co-organizers some other way.

The port is synchronous and the SDK is async: the adapter owns a private event loop on a daemon thread
(started on first use, reused, stopped by `close`) and waits for each call with a bound
(`GraphRetries.call_timeout`).

Retries: the SDK's RetryHandler retries 429/502/503/504 and honours ``Retry-After``; it is configured here
with a bounded number of retries, a bounded exponential backoff and a cap on the ``Retry-After`` it
will wait for (beyond it the call fails at once and the queue retries later).

Errors: 429, 408, 5xx, timeouts and connection failures become `TransientProviderError`; other 4xx, a
missing organizer, a bad credential and malformed answers become `ProviderError`. Secrets are never
logged nor put in messages.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import random
import threading
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
from azure.core.credentials import TokenCredential
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError, ServiceResponseError
from kiota_abstractions.api_error import APIError
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.kiota_client_factory import KiotaClientFactory
from kiota_http.middleware import RetryHandler
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.generated.models.lobby_bypass_scope import LobbyBypassScope
from msgraph.generated.models.lobby_bypass_settings import LobbyBypassSettings
from msgraph.generated.models.online_meeting import OnlineMeeting
from msgraph.generated.users.item.online_meetings.create_or_get.create_or_get_post_request_body import (
    CreateOrGetPostRequestBody,
)
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_request_adapter import options as graph_default_options
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory
from msgraph_core.middleware import GraphTelemetryHandler
from msgraph_core.middleware.options import GraphTelemetryHandlerOption

from domain.errors import ProviderError, TransientProviderError
from domain.ports import Meeting, MeetingRequest

GRAPH_V1_BASE_URL = "https://graph.microsoft.com/v1.0"
GRAPH_DEFAULT_SCOPES = ("https://graph.microsoft.com/.default",)
PROVIDER_NAME = "teams"

_T = TypeVar("_T")
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GraphRetries:
    """How a Graph call is retried and how long it may take. The SDK's retry middleware retries an
    answer with one of `retry_statuses` at most `max_retries` times (a connection error is not retried
    here: it is transient, and the queue retries the message); without ``Retry-After`` it
    waits ``min(backoff_max, backoff_factor * 2**retry) + uniform(0, backoff_jitter)`` seconds. A
    ``Retry-After`` above `max_retry_after` is not waited for (a worker is not held that long: the queue
    message comes back later). One HTTP request lasts at most `request_timeout` seconds, the whole call
    with its retries `call_timeout`."""

    max_retries: int = 3
    backoff_factor: float = 0.5
    backoff_max: float = 8.0
    backoff_jitter: float = 0.5
    max_retry_after: float = 30.0
    retry_statuses: tuple[int, ...] = (429, 502, 503, 504)
    request_timeout: float = 20.0
    call_timeout: float = 60.0

    def __post_init__(self) -> None:
        if not 0 <= self.max_retries <= RetryHandlerOption.MAX_MAX_RETRIES:
            raise ValueError(f"max_retries must be between 0 and {RetryHandlerOption.MAX_MAX_RETRIES}")


class _BoundedRetryHandler(RetryHandler):
    """The SDK's RetryHandler with the bounded delays of `GraphRetries`: a ``Retry-After`` too long to
    wait returns the throttled response at once (the handler skips a retry whose delay is
    ``RetryHandlerOption.MAX_DELAY`` or more) and the adapter reports a transient failure."""

    def __init__(self, retries: GraphRetries) -> None:
        super().__init__(RetryHandlerOption(delay=0, max_retries=retries.max_retries))
        self.retry_on_status_codes = set(retries.retry_statuses)
        self._retries = retries

    def get_delay_time(
        self,
        retry_count: int,
        response: httpx.Response | None = None,
        delay: float = RetryHandlerOption.DEFAULT_DELAY,
    ) -> float:
        retry_after = self._get_retry_after(response)
        if retry_after:
            if retry_after > self._retries.max_retry_after:
                return RetryHandlerOption.MAX_DELAY  # too long to hold a worker: give the message back
            return float(retry_after)
        backoff = min(self._retries.backoff_max, self._retries.backoff_factor * 2**retry_count)
        jitter: float = random.uniform(0, self._retries.backoff_jitter)
        return float(backoff + jitter)


class _LoopThread:
    """A private asyncio loop on a daemon thread, started on first use."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _ensure(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._thread is None or not self._thread.is_alive():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name=self._name, daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    @property
    def started(self) -> bool:
        return self._loop is not None

    def run(self, coro: Coroutine[Any, Any, _T], timeout: float) -> _T:
        """Run `coro` on the loop and wait at most `timeout` seconds (then cancel it and raise
        `concurrent.futures.TimeoutError`)."""
        future = asyncio.run_coroutine_threadsafe(coro, self._ensure())
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def stop(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=5)
        if not loop.is_running():
            loop.close()


class TeamsMeetingProvider:
    """`MeetingProvider` over Microsoft Graph. Thread-safe; one instance per process is enough.
    Not `offline`: each meeting is a Graph request, made from the meeting-requests queue.

    Credentials, in order of precedence: `credential` (any azure-core sync or async token credential,
    e.g. a fixed token in tests); `use_managed_identity` (optionally a user-assigned identity's
    `managed_identity_client_id`); `tenant_id` + `client_id` + `client_secret` (client secret, e.g. a
    Key Vault reference in the app settings).
    """

    offline = False

    def __init__(
        self,
        *,
        tenant_id: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        use_managed_identity: bool = False,
        managed_identity_client_id: str | None = None,
        credential: TokenCredential | AsyncTokenCredential | None = None,
        default_organizer: str | None = None,
        base_url: str = GRAPH_V1_BASE_URL,
        scopes: Iterable[str] = GRAPH_DEFAULT_SCOPES,
        lobby_scope: str = "organization",
        meeting_duration: timedelta = timedelta(hours=1),
        retries: GraphRetries = GraphRetries(),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        has_secret = bool(tenant_id and client_id and client_secret)
        if credential is None and not use_managed_identity and not has_secret:
            raise ValueError(
                "Teams provider needs a credential: managed identity or tenant_id, client_id, client_secret"
            )
        if not base_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError("Graph base_url must be https (plain http only on loopback, for tests)")
        try:
            self._lobby_scope = LobbyBypassScope(lobby_scope)
        except ValueError:
            raise ValueError(f"unknown lobbyBypassScope {lobby_scope!r}") from None
        self._tenant_id = tenant_id
        self._client_id = client_id
        self._client_secret = client_secret
        self._use_managed_identity = use_managed_identity
        self._managed_identity_client_id = managed_identity_client_id
        self._given_credential = credential
        self._default_organizer = default_organizer
        self._base_url = base_url.rstrip("/")
        self._scopes = list(scopes)
        self._meeting_duration = meeting_duration
        self._retries = retries
        self._clock = clock or (lambda: datetime.now(UTC))
        self._loop = _LoopThread("teams-graph-loop")
        # Built on the loop thread on first use (httpx.AsyncClient binds to the loop that uses it).
        self._graph: GraphServiceClient | None = None
        self._http: httpx.AsyncClient | None = None
        self._owned_credential: TokenCredential | AsyncTokenCredential | None = None
        self.warmed = threading.Event()  # set by warm_up()

    def __repr__(self) -> str:  # never show the secret
        return f"TeamsMeetingProvider(base_url={self._base_url!r}, lobby_scope={self._lobby_scope.value!r})"

    # ----------------------------------------------------------------------------------- port

    def create(self, request: MeetingRequest) -> Meeting:
        organizer = request.organizer or self._default_organizer
        if not organizer:
            raise ProviderError(
                "A unidade não tem conta organizadora do Teams configurada.",
                ticket_id=request.ticket_id,
                unit_id=request.unit_id,
            )
        try:
            return self._loop.run(self._create(request, organizer), self._retries.call_timeout)
        except ProviderError:
            raise
        except concurrent.futures.TimeoutError as exc:
            _log.warning("Graph call timed out for ticket %s", request.ticket_id)
            raise TransientProviderError(
                "O Microsoft Teams não respondeu a tempo.", ticket_id=request.ticket_id
            ) from exc
        except Exception as exc:
            raise self._translate(exc, request.ticket_id) from exc

    def warm_up(self) -> None:
        """Pay the SDK's lazy imports (about a second, mostly the OnlineMeeting model graph) and build the
        client before the first citizen is called, so that their link is not late. Any thread."""
        from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory

        sample = b'{"id":"w","joinWebUrl":"https://teams.microsoft.com/l/w","lobbyBypassSettings":{"scope":"organization"}}'
        JsonParseNodeFactory().get_root_parse_node("application/json", sample).get_object_value(OnlineMeeting)

        async def build() -> None:
            self._client()

        self._loop.run(build(), self._retries.call_timeout)
        self.warmed.set()

    def close(self) -> None:
        """Close the HTTP client and the credential this adapter created, and stop its loop."""
        if self._loop.started:
            try:
                self._loop.run(self._aclose(), timeout=10)
            except Exception:  # closing is best effort
                _log.debug("error while closing the Graph client", exc_info=True)
        self._loop.stop()

    def __enter__(self) -> TeamsMeetingProvider:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------ internals

    def _subject(self, request: MeetingRequest) -> str:
        unit = " ".join(request.unit_name.split())[:200]
        number = " ".join(request.display_number.split())[:20]
        return f"Balcão Virtual — {unit} — senha {number}"

    def _times(self, request: MeetingRequest) -> tuple[datetime, datetime]:
        start = request.starts_at or self._clock()
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        start = start.astimezone(UTC)
        return start, start + self._meeting_duration

    def _lobby_ok(self, meeting: OnlineMeeting) -> bool:
        settings = meeting.lobby_bypass_settings
        return (
            settings is not None
            and settings.scope == self._lobby_scope
            and settings.is_dial_in_bypass_enabled is False
        )

    async def _create(self, request: MeetingRequest, organizer: str) -> Meeting:
        meetings = self._client().users.by_user_id(organizer).online_meetings
        start, end = self._times(request)
        body = CreateOrGetPostRequestBody(
            external_id=request.ticket_id,
            subject=self._subject(request),
            start_date_time=start,
            end_date_time=end,
        )
        meeting = await meetings.create_or_get.post(body)
        if meeting is None or not meeting.id or not meeting.join_web_url:
            raise ProviderError(
                "O Microsoft Teams respondeu sem o link da reunião.", ticket_id=request.ticket_id
            )
        if not self._lobby_ok(meeting):
            patch = OnlineMeeting(
                lobby_bypass_settings=LobbyBypassSettings(
                    scope=self._lobby_scope, is_dial_in_bypass_enabled=False
                )
            )
            await meetings.by_online_meeting_id(meeting.id).patch(patch)
        return Meeting(join_url=meeting.join_web_url, provider=PROVIDER_NAME, meeting_id=meeting.id)

    def _credential(self) -> TokenCredential | AsyncTokenCredential:
        if self._given_credential is not None:
            return self._given_credential
        if self._owned_credential is None:
            # The async credentials do not block the loop while they fetch a token.
            from azure.identity.aio import ClientSecretCredential, ManagedIdentityCredential

            if self._use_managed_identity:
                self._owned_credential = (
                    ManagedIdentityCredential(client_id=self._managed_identity_client_id)
                    if self._managed_identity_client_id
                    else ManagedIdentityCredential()
                )
            else:
                assert self._tenant_id and self._client_id and self._client_secret
                self._owned_credential = ClientSecretCredential(
                    self._tenant_id, self._client_id, self._client_secret
                )
        return self._owned_credential

    def _client(self) -> GraphServiceClient:
        if self._graph is not None:
            return self._graph
        retry = _BoundedRetryHandler(self._retries)
        options = dict(graph_default_options)
        options[RetryHandlerOption.get_key()] = retry.options
        middleware = [
            retry if isinstance(handler, RetryHandler) else handler
            for handler in KiotaClientFactory.get_default_middleware(options)
        ]
        telemetry_option = options.get(GraphTelemetryHandlerOption.get_key())
        middleware.append(
            GraphTelemetryHandler(options=telemetry_option)
            if isinstance(telemetry_option, GraphTelemetryHandlerOption)
            else GraphTelemetryHandler()
        )
        request_s = self._retries.request_timeout
        http = httpx.AsyncClient(timeout=httpx.Timeout(request_s, connect=min(10.0, request_s)), http2=True)
        http = GraphClientFactory.create_with_custom_middleware(middleware, client=http)
        auth = AzureIdentityAuthenticationProvider(self._credential(), scopes=self._scopes)
        adapter = GraphRequestAdapter(auth, client=http)
        adapter.base_url = self._base_url
        self._http = http
        self._graph = GraphServiceClient(request_adapter=adapter)
        return self._graph

    async def _aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        credential = self._owned_credential
        if credential is not None and isinstance(credential, AsyncTokenCredential):
            await credential.close()
        self._graph = self._http = self._owned_credential = None

    def _translate(self, exc: BaseException, ticket_id: str) -> ProviderError:
        if isinstance(exc, APIError):
            status = exc.response_status_code
            code = _graph_error_code(exc)
            _log.warning("Graph answered HTTP %s (%s) for ticket %s", status, code or "-", ticket_id)
            details: dict[str, Any] = {"ticket_id": ticket_id, "status": status, "graph_code": code}
            if status is None or status in (408, 429) or status >= 500:
                return TransientProviderError(
                    f"O Microsoft Teams está indisponível no momento (HTTP {status}).", **details
                )
            return ProviderError(
                f"O Microsoft Teams recusou a criação da reunião (HTTP {status}).", **details
            )
        if isinstance(exc, httpx.TimeoutException | asyncio.TimeoutError):
            _log.warning("Graph request timed out for ticket %s", ticket_id)
            return TransientProviderError("O Microsoft Teams não respondeu a tempo.", ticket_id=ticket_id)
        if isinstance(exc, httpx.TransportError | ServiceRequestError | ServiceResponseError):
            _log.warning("Graph unreachable for ticket %s: %s", ticket_id, type(exc).__name__)
            return TransientProviderError(
                "Não foi possível conectar ao Microsoft Teams.", ticket_id=ticket_id
            )
        if isinstance(exc, ClientAuthenticationError):
            # Message of azure-identity errors names the tenant/app, never the secret; keep it out anyway.
            _log.error("Graph credential failed for ticket %s: %s", ticket_id, type(exc).__name__)
            return ProviderError(
                "Falha de autenticação no Microsoft Graph (verifique a credencial do aplicativo).",
                ticket_id=ticket_id,
            )
        _log.error("unexpected error creating a Teams meeting (ticket %s): %s", ticket_id, type(exc).__name__)
        return ProviderError("Não foi possível criar a reunião no Microsoft Teams.", ticket_id=ticket_id)


def _graph_error_code(exc: APIError) -> str | None:
    error = getattr(exc, "error", None)  # ODataError.error: MainError(code, message)
    code = getattr(error, "code", None)
    return code if isinstance(code, str) else None
