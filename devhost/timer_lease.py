"""One listener per timer across instances: the blob lease the Functions host takes for a timer.

Flex Consumption runs many instances of an app, and each one indexes every timer; the host makes a timer
fire once per schedule by making its *listener* a singleton: the instance that holds a lease on the blob
`locks/<host id>/Host.Functions.<function>.Listener` in the storage account's `azure-webjobs-hosts`
container schedules the timer and renews the lease while it runs; the others stand by and try to take
the lease now and then, so when the holder stops (or dies and its lease expires) another takes over.

The dev host does the same against Azurite when `AzureWebJobsStorage` is a connection string (without
storage a single host schedules its timers alone). A standby instance keeps following the schedule
without firing, so a takeover fires the next occurrence, not the ones the old holder already ran.
Defaults are shorter than the host's (60 s lease, 1 min recovery polling) so that a takeover in a local
run or a test takes seconds: the lease lasts 15 s and is renewed, or tried for, every 5 s.

The host id is the `AzureFunctionsWebHost__hostid` setting, else "devhost": every process of one app
against one storage account shares it, as the instances of a Function App share theirs.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobLeaseClient, BlobServiceClient

from devhost.config import Settings

log = logging.getLogger("devhost.timers")

CONTAINER = "azure-webjobs-hosts"
DEFAULT_HOST_ID = "devhost"
LEASE_SECONDS = 15
RENEW_EVERY = 5.0


def host_id(settings: Settings) -> str:
    return (settings.get("AzureFunctionsWebHost__hostid") or DEFAULT_HOST_ID).strip().lower()[:32]


def lock_blob_name(host: str, function_name: str) -> str:
    return f"locks/{host}/Host.Functions.{function_name}.Listener"


class ListenerLease:
    """The lease that makes this process the listener of one timer. `held` says whether it is; a keeper
    thread renews it, or tries to take it, every `renew_every` seconds and calls `on_change`."""

    def __init__(
        self,
        service: BlobServiceClient,
        host: str,
        function_name: str,
        *,
        lease_seconds: int = LEASE_SECONDS,
        renew_every: float = RENEW_EVERY,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.blob = service.get_blob_client(CONTAINER, lock_blob_name(host, function_name))
        self._container = service.get_container_client(CONTAINER)
        self._function = function_name
        self._lease_seconds = lease_seconds
        self._renew_every = renew_every
        self._on_change = on_change
        self._lease: BlobLeaseClient | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def held(self) -> bool:
        return self._lease is not None

    def start(self) -> None:
        self._try_acquire()
        self._thread = threading.Thread(
            target=self._keep, name=f"devhost-lease-{self._function}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop renewing and release the lease, so another instance takes over at once."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        lease, self._lease = self._lease, None
        if lease is not None:
            with contextlib.suppress(Exception):
                lease.release()

    def _keep(self) -> None:
        while not self._stopping.wait(self._renew_every):
            if self._lease is not None:
                try:
                    self._lease.renew()
                except Exception as exc:  # expired and taken, or storage unreachable: stand by
                    log.warning("Timer %r lost its listener lease: %s", self._function, type(exc).__name__)
                    self._lease = None
                    self._on_change()
            else:
                self._try_acquire()

    def _try_acquire(self) -> None:
        try:
            try:
                lease = self.blob.acquire_lease(lease_duration=self._lease_seconds)
            except ResourceNotFoundError:  # first start against this storage account
                self._ensure_blob()
                lease = self.blob.acquire_lease(lease_duration=self._lease_seconds)
        except HttpResponseError as exc:
            if exc.status_code != 409:  # 409: another instance holds it
                log.warning("Timer %r: cannot take the listener lease (%s)", self._function, exc.status_code)
            return
        except Exception as exc:  # storage unreachable: try again later
            log.warning("Timer %r: cannot take the listener lease (%s)", self._function, type(exc).__name__)
            return
        self._lease = lease
        log.info("Timer %r: this instance is the listener", self._function)
        self._on_change()

    def _ensure_blob(self) -> None:
        with contextlib.suppress(ResourceExistsError):
            self._container.create_container()
        with contextlib.suppress(ResourceExistsError, HttpResponseError):
            self.blob.upload_blob(b"", overwrite=False)
