"""Azure Storage clients (tables, queues, blobs) from settings, and the transaction meter.

Connections follow the Functions host's conventions, so the app and its triggers share one setting:
- `AzureWebJobsStorage` = a connection string (Azurite locally), or
- identity-based: `AzureWebJobsStorage__tableServiceUri` / `__queueServiceUri` / `__blobServiceUri`
  with `__credential=managedidentity` and `__clientId` (a user-assigned identity) in Azure.

`StorageMeter` counts every HTTP request the SDKs send (retries included): each is one billed storage
transaction. The benchmark and the cost tests read it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from azure.core.credentials import TokenCredential
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueServiceClient

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
    """Counts storage requests by service ("table", "queue", "blob") and by operation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._by_operation: Counter[str] = Counter()

    def hook_for(self, service: str) -> Any:
        def hook(request: Any) -> None:
            with self._lock:
                self._counts[service] += 1
                self._by_operation[_operation.get()] += 1

        return hook

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def by_operation(self) -> dict[str, int]:
        with self._lock:
            return dict(self._by_operation)

    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._by_operation.clear()


METER = StorageMeter()  # process-wide: every client built here reports to it


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
    conn = settings.get(prefix)
    if conn:
        return kind.from_connection_string(conn, raw_request_hook=hook)
    uri = _service_uri(settings, prefix, service)
    if not uri:
        raise StorageSettingsError(
            f"Storage is not configured: set {prefix} (connection string) or {prefix}__{service}ServiceUri"
        )
    credential = _credential(settings, prefix)
    if kind is TableServiceClient:  # the tables SDK names its URL argument differently
        return kind(endpoint=uri, credential=credential, raw_request_hook=hook)  # type: ignore[call-arg]
    return kind(account_url=uri, credential=credential, raw_request_hook=hook)  # type: ignore[call-arg]


def table_service(
    settings: Mapping[str, str], prefix: str = "AzureWebJobsStorage", meter: StorageMeter = METER
) -> TableServiceClient:
    return _client(TableServiceClient, "table", settings, prefix, meter)


def queue_service(
    settings: Mapping[str, str], prefix: str = "AzureWebJobsStorage", meter: StorageMeter = METER
) -> QueueServiceClient:
    return _client(QueueServiceClient, "queue", settings, prefix, meter)


def blob_service(
    settings: Mapping[str, str], prefix: str = "AzureWebJobsStorage", meter: StorageMeter = METER
) -> BlobServiceClient:
    return _client(BlobServiceClient, "blob", settings, prefix, meter)
