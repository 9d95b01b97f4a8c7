"""Azure Storage clients (tables, queues, blobs) from settings, and the transaction meter.

Connections follow the Functions host's conventions, so the app and its triggers share one setting:
- `AzureWebJobsStorage` = a connection string (Azurite locally), or
- identity-based: `AzureWebJobsStorage__tableServiceUri` / `__queueServiceUri` / `__blobServiceUri`
  with `__credential=managedidentity` and `__clientId` (a user-assigned identity) in Azure.

`StorageMeter` counts every HTTP request the SDKs send (retries included): each is one billed storage
transaction. The benchmark and the cost tests read it.

Retries and timeouts are short (`RETRY`): the clients serve HTTP requests and queue messages that have
their own retries (the citizen's page, the queue's redelivery), so an unreachable account answers within
a couple of seconds (`unavailable(exc)` recognises it, and the HTTP layer answers 503) instead of
holding a request for the SDKs' defaults (minutes for queues).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar
from urllib.parse import urlsplit

from azure.core import MatchConditions
from azure.core.credentials import TokenCredential
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.data.tables import TableClient, TableServiceClient, UpdateMode
from azure.storage.blob import BlobServiceClient
from azure.storage.blob import LinearRetry as BlobLinearRetry
from azure.storage.queue import LinearRetry, QueueServiceClient

_operation: ContextVar[str] = ContextVar("storage_operation", default="")


@contextmanager
def operation(name: str) -> Iterator[None]:
    """Attribute the storage requests made inside to `name` (a function, for the benchmark)."""
    token = _operation.set(name)
    try:
        yield
    finally:
        _operation.reset(token)


class StorageMeter:
    """Counts storage requests by service ("table", "queue", "blob") and by operation, and apart from
    them the queue messages sent (a Put Message: POST to `.../messages`), by operation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._by_operation: Counter[str] = Counter()
        self._messages: Counter[str] = Counter()

    def hook_for(self, service: str) -> Any:
        def hook(request: Any) -> None:
            sent = service == "queue" and _is_put_message(request)
            with self._lock:
                self._counts[service] += 1
                self._by_operation[_operation.get()] += 1
                if sent:
                    self._messages[_operation.get()] += 1

        return hook

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def by_operation(self) -> dict[str, int]:
        with self._lock:
            return dict(self._by_operation)

    def messages_by_operation(self) -> dict[str, int]:
        """Queue messages sent, by operation (each is also one of the storage requests counted)."""
        with self._lock:
            return dict(self._messages)

    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._by_operation.clear()
            self._messages.clear()


def _is_put_message(request: Any) -> bool:
    http = getattr(request, "http_request", request)
    path = urlsplit(str(getattr(http, "url", ""))).path
    return str(getattr(http, "method", "")).upper() == "POST" and path.endswith("/messages")


METER = StorageMeter()  # process-wide: every client built here reports to it

# azure-core's policy (tables): 3 more tries, 0.2 s, 0.4 s, 0.8 s apart; a connection is given
# 5 s, an answer 20 s.
RETRY: dict[str, Any] = {
    "retry_total": 3,
    "retry_backoff_factor": 0.2,
    "retry_backoff_max": 2,
    "connection_timeout": 5,
    "read_timeout": 20,
}


def _options(service: str) -> dict[str, Any]:
    """Retries and timeouts per service. Queues and blobs have their own retry policies (their default
    waits 15 s, then 18 s, then 24 s): about a second apart here."""
    if service == "table":
        return dict(RETRY)
    policy = LinearRetry if service == "queue" else BlobLinearRetry
    return {
        "retry_policy": policy(backoff=1, random_jitter_range=1, retry_total=3),
        "connection_timeout": 5,
        "read_timeout": 20,
    }


def unavailable(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) says the storage account could not be reached or is
    overloaded: no connection, no answer, or 500/503 from the service."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ServiceRequestError | ServiceResponseError):
            return True
        if isinstance(current, HttpResponseError) and current.status_code in (500, 503):
            return True
        current = current.__cause__ or current.__context__
    return False


def _credential(settings: Mapping[str, str], prefix: str) -> TokenCredential:
    from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

    client_id = settings.get(f"{prefix}__clientId")
    if settings.get(f"{prefix}__credential", "").lower() == "managedidentity":
        return ManagedIdentityCredential(client_id=client_id) if client_id else ManagedIdentityCredential()
    return DefaultAzureCredential(managed_identity_client_id=client_id)


def _service_uri(settings: Mapping[str, str], prefix: str, service: str) -> str | None:
    uri = settings.get(f"{prefix}__{service}ServiceUri")
    if uri:
        return uri
    account = settings.get(f"{prefix}__accountName")
    return f"https://{account}.{service}.core.windows.net" if account else None


class StorageSettingsError(RuntimeError):
    pass


C = TypeVar("C", TableServiceClient, QueueServiceClient, BlobServiceClient)


def _client(kind: type[C], service: str, settings: Mapping[str, str], prefix: str, meter: StorageMeter) -> C:
    """A service client from the connection string, or from the service URI and the identity."""
    hook = meter.hook_for(service)
    options = _options(service)
    conn = settings.get(prefix)
    if conn:
        return kind.from_connection_string(conn, raw_request_hook=hook, **options)
    uri = _service_uri(settings, prefix, service)
    if not uri:
        raise StorageSettingsError(
            f"Storage is not configured: set {prefix} (connection string) or {prefix}__{service}ServiceUri"
        )
    credential = _credential(settings, prefix)
    if kind is TableServiceClient:  # the tables SDK names its URL argument differently
        return kind(endpoint=uri, credential=credential, raw_request_hook=hook, **options)  # type: ignore[call-arg]
    return kind(account_url=uri, credential=credential, raw_request_hook=hook, **options)  # type: ignore[call-arg]


def table_service(
    settings: Mapping[str, str], prefix: str = "AzureWebJobsStorage", meter: StorageMeter = METER
) -> TableServiceClient:
    return _client(TableServiceClient, "table", settings, prefix, meter)


def guarded(entity: dict[str, Any], etag: str | None) -> tuple[Any, ...]:
    """A transaction operation: create `entity` (no etag) or replace it under its etag."""
    if etag is None:
        return ("create", entity)
    return (
        "update",
        entity,
        {"mode": UpdateMode.REPLACE, "etag": etag, "match_condition": MatchConditions.IfNotModified},
    )


def ensure_table(service: TableServiceClient, name: str) -> TableClient:
    """The client of table `name`, created first when it does not exist yet (idempotent)."""
    try:
        service.create_table(name)
    except ResourceExistsError:
        pass
    return service.get_table_client(name)


def queue_service(
    settings: Mapping[str, str], prefix: str = "AzureWebJobsStorage", meter: StorageMeter = METER
) -> QueueServiceClient:
    return _client(QueueServiceClient, "queue", settings, prefix, meter)


def blob_service(
    settings: Mapping[str, str], prefix: str = "AzureWebJobsStorage", meter: StorageMeter = METER
) -> BlobServiceClient:
    return _client(BlobServiceClient, "blob", settings, prefix, meter)


class TableClients:
    """The clients of the tables of one account, each table created once, on first use."""

    def __init__(self, service: TableServiceClient) -> None:
        self._service = service
        self._clients: dict[str, TableClient] = {}

    def __call__(self, name: str) -> TableClient:
        client = self._clients.get(name)
        if client is None:
            try:
                self._service.create_table(name)
            except ResourceExistsError:
                pass
            client = self._clients[name] = self._service.get_table_client(name)
        return client
