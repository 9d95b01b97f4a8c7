"""Queue triggers over Azure Storage queues (Azurite locally), with the host's retry semantics.

One `QueueListener` per queue-triggered function polls its queue on a background thread:

- it fetches up to `batchSize` messages per request and runs them concurrently; it fetches the next
  batch once no more than `newBatchThreshold` are still running (so at most batchSize +
  newBatchThreshold run at once, as in the Functions host);
- an empty poll backs off exponentially from 50 ms up to `maxPollingInterval`; a non-empty one polls
  again at once;
- fetched messages stay invisible for 10 minutes (the host's default) while they run; success deletes
  the message; a failure makes it visible again after `visibilityTimeout`; the try numbered
  `maxDequeueCount` that fails moves the original content to `<queue>-poison` and deletes it;
- message bodies are base64 (host.json `messageEncoding`, the host's default) and are decoded to
  bytes for `QueueMessage.get_body()`; a body that is not valid base64 goes straight to poison;
- storage errors (Azurite stopped, restarted, queue deleted) are logged and retried with the same
  back-off: a listener never dies; a failed run whose message could not be made visible again (storage
  away) is released once the queue answers (the Functions host would leave it to its 10-minute lease).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import math
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.functions.queue import QueueMessage as FunctionQueueMessage
from azure.storage.queue import LinearRetry, QueueClient, QueueMessage

from devhost.config import QueueOptions, Settings, validate_queue_name
from devhost.errors import ConfigurationError
from devhost.indexing import BindingSpec, FunctionSpec
from devhost.invoker import Invoker
from devhost.listener import Listener

log = logging.getLogger("devhost.queues")

DEFAULT_CONNECTION = "AzureWebJobsStorage"
MIN_POLLING_INTERVAL = 0.05  # seconds
RECEIVE_VISIBILITY_TIMEOUT = 600  # seconds a fetched message stays invisible while it runs
_DEV_STORAGE = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
    "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;"
)  # the storage emulator's well-known account, documented by Microsoft


class _QuickRetry(LinearRetry):
    """A short fixed back-off between retries (the SDK's default waits 15 s)."""

    def get_backoff_time(self, settings: dict[str, Any]) -> float:
        return 0.3


class QueueClients:
    """Builds (and caches) `QueueClient`s from a binding's `connection` setting name.

    The setting holds a connection string (`UseDevelopmentStorage=true` included); identity-based
    connections (`<name>__queueServiceUri` or `<name>__accountName`) use `DefaultAzureCredential`.
    Clients do not retry by themselves: the listener owns the retry loop.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._clients: dict[tuple[str, str], QueueClient] = {}
        self._lock = threading.Lock()

    def get(self, connection: str | None, queue_name: str) -> QueueClient:
        name = connection or DEFAULT_CONNECTION
        with self._lock:
            client = self._clients.get((name, queue_name))
            if client is None:
                client = self._create(name, queue_name)
                self._clients[(name, queue_name)] = client
            return client

    def close(self) -> None:
        """Close every client's connections (an emulator waits for open ones when it stops)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            with contextlib.suppress(Exception):
                client.close()

    def _create(self, name: str, queue_name: str) -> QueueClient:
        options: dict[str, Any] = {
            # No retries by default (the poll loop retries); calls that retry (delete, update, send)
            # pass retry_total themselves, with a short back-off instead of the SDK's 15 s.
            "retry_policy": _QuickRetry(retry_total=0),
            "connection_timeout": 5,
            "read_timeout": 30,
        }
        value = self._settings.get(name)
        if value is None and not name.startswith("AzureWebJobs"):
            value = self._settings.get(f"AzureWebJobs{name}")
        if value:
            if value.replace(" ", "").lower().startswith("usedevelopmentstorage=true"):
                value = _DEV_STORAGE
            return QueueClient.from_connection_string(value, queue_name, **options)
        url = self._settings.get(f"{name}__queueServiceUri") or self._settings.get(f"{name}__serviceUri")
        account = self._settings.get(f"{name}__accountName")
        if url is None and account:
            url = f"https://{account}.queue.core.windows.net"
        if url is None:
            raise ConfigurationError(
                f"the connection setting {name!r} is not set (a connection string, or "
                f"{name}__queueServiceUri for an identity-based connection)"
            )
        from azure.identity import DefaultAzureCredential  # only identity-based connections need it

        return QueueClient(url, queue_name, credential=DefaultAzureCredential(), **options)


def encode_body(value: object, encoding: str) -> str:
    """The wire form of an output message: base64 of its UTF-8 bytes (or the text, for `none`)."""
    if isinstance(value, FunctionQueueMessage):
        value = value.get_body()
    raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
    if encoding == "base64":
        return base64.b64encode(raw).decode("ascii")
    return raw.decode("utf-8")


def decode_body(content: str | bytes | None, encoding: str) -> bytes:
    """The bytes of a fetched message; raises `ValueError` for a body that is not valid base64."""
    text = content if isinstance(content, bytes) else (content or "").encode("utf-8")
    if encoding == "base64":
        try:
            return base64.b64decode(text, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"the message is not valid base64: {exc}") from exc
    return text


class QueueOutputs:
    """Sends the values of `queue` output bindings (`func.Out[str]`, lists of messages)."""

    def __init__(self, clients: QueueClients, settings: Settings, options: QueueOptions) -> None:
        self._clients = clients
        self._settings = settings
        self._options = options
        self._ensured: set[tuple[str, str]] = set()

    def __call__(self, binding: BindingSpec, value: Any) -> None:
        queue_name = validate_queue_name(self._settings.resolve(str(binding.get("queueName", ""))))
        connection = self._settings.resolve(str(binding.get("connection") or "")) or None
        client = self._clients.get(connection, queue_name)
        key = (connection or DEFAULT_CONNECTION, queue_name)
        if key not in self._ensured:
            _create_if_missing(client)
            self._ensured.add(key)
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            client.send_message(encode_body(item, self._options.message_encoding), retry_total=3)


def _create_if_missing(client: QueueClient) -> None:
    with contextlib.suppress(ResourceExistsError):
        client.create_queue()


class QueueListener(Listener):
    """Polls one queue for one function; see the module docstring for the semantics."""

    def __init__(
        self,
        function: FunctionSpec,
        queue_name: str,
        client: QueueClient,
        poison_client: QueueClient,
        options: QueueOptions,
        invoker: Invoker,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(function, invoker, on_change, f"devhost-poll-{queue_name}")
        self.queue_name = queue_name
        self._client = client
        self._poison = poison_client
        self._options = options
        self._polls_started = 0
        self._last_idle_poll = -1
        self._queues_ready = False
        self._unreachable = False
        self._unreleased: dict[str, str] = {}  # message id -> pop receipt of a failed run not yet released
        self._workers = ThreadPoolExecutor(
            max_workers=options.batch_size + options.new_batch_threshold,
            thread_name_prefix=f"devhost-{queue_name}",
        )

    # -- lifecycle ----------------------------------------------------------------------------

    def _close(self) -> None:
        self._workers.shutdown(wait=True)

    # -- idleness, for tests --------------------------------------------------------------------

    def idle_marker(self) -> int:
        """A token for `idle_since`: the number of polls started so far."""
        with self._state:
            return self._polls_started

    def idle_since(self, marker: int) -> bool:
        """Whether a poll started after `marker`, with nothing running, found the queue empty."""
        with self._state:
            return self._last_idle_poll > marker and self._in_flight == 0

    # -- the loop -------------------------------------------------------------------------------

    def _run(self) -> None:
        delay = MIN_POLLING_INTERVAL
        while not self._stopping.is_set():
            with self._state:
                self._state.wait_for(
                    lambda: self._in_flight <= self._options.new_batch_threshold or self._stopping.is_set()
                )
                if self._stopping.is_set():
                    return
                self._polls_started += 1
                poll = self._polls_started
                nothing_running = self._in_flight == 0
            try:
                messages = self._receive()
            except Exception as exc:  # any storage or network failure: log, back off, retry
                self._report_outage(exc)
                self._pause(delay)
                delay = min(delay * 2, self._options.max_polling_interval)
                continue
            self._report_recovery()
            self._release_again()
            if messages:
                with self._state:
                    self._in_flight += len(messages)
                for message in messages:
                    self._workers.submit(self._process, message)
                delay = MIN_POLLING_INTERVAL
                continue
            if nothing_running:
                with self._state:
                    self._last_idle_poll = poll
                self._on_change()
            self._pause(delay)
            delay = min(delay * 2, self._options.max_polling_interval)

    def _receive(self) -> list[QueueMessage]:
        if not self._queues_ready:
            _create_if_missing(self._client)
            _create_if_missing(self._poison)
            self._queues_ready = True
        try:
            pages = self._client.receive_messages(
                messages_per_page=self._options.batch_size, visibility_timeout=RECEIVE_VISIBILITY_TIMEOUT
            ).by_page()
            return list(next(pages, []))
        except ResourceNotFoundError:
            self._queues_ready = False  # deleted under us (or a fresh Azurite): create it again
            raise

    def _pause(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _report_outage(self, exc: Exception) -> None:
        summary = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if not self._unreachable:
            self._unreachable = True
            log.warning("Queue %r cannot be polled (%s); retrying", self.queue_name, summary)
        else:
            log.debug("Queue %r still cannot be polled: %s", self.queue_name, summary)

    def _report_recovery(self) -> None:
        if self._unreachable:
            self._unreachable = False
            log.info("Queue %r can be polled again", self.queue_name)

    # -- one message ----------------------------------------------------------------------------

    def _process(self, message: QueueMessage) -> None:
        try:
            self._handle(message)
        except Exception:
            log.exception("Unexpected error handling message %s of queue %r", message.id, self.queue_name)
        finally:
            self._finished()
            self._wake.set()  # a slot is free: with newBatchThreshold reached, poll at once

    def _handle(self, message: QueueMessage) -> None:
        count = int(message.dequeue_count or 1)
        if count > self._options.max_dequeue_count:
            self._to_poison(message, count)  # e.g. the host stopped mid-run on the last try
            return
        try:
            body = decode_body(message.content, self._options.message_encoding)
        except ValueError as exc:
            log.error("Message %s of queue %r: %s", message.id, self.queue_name, exc)
            self._to_poison(message, count)
            return
        trigger_value = FunctionQueueMessage(  # type: ignore[no-untyped-call]
            id=message.id,
            body=body,
            dequeue_count=count,
            insertion_time=message.inserted_on,
            expiration_time=message.expires_on,
            time_next_visible=message.next_visible_on,
            pop_receipt=message.pop_receipt,
        )
        detail = f"queue={self.queue_name} id={message.id} dequeue_count={count}"
        invocation = self._invoker.begin(self.function)
        try:
            self._invoker.call(invocation, trigger_value)
        except Exception as exc:
            self._invoker.fail(invocation, exc, detail)
            if count >= self._options.max_dequeue_count:
                self._to_poison(message, count)
            else:
                self._release(message)
            return
        self._invoker.succeed(invocation, detail)
        self._delete(message)

    def _delete(self, message: QueueMessage) -> None:
        try:
            self._client.delete_message(message.id, message.pop_receipt, retry_total=3)
        except Exception as exc:
            log.warning(
                "Message %s of queue %r was handled but not deleted: %s", message.id, self.queue_name, exc
            )

    def _release(self, message: QueueMessage) -> None:
        delay = max(0, math.ceil(self._options.visibility_timeout))
        try:
            self._client.update_message(
                message.id, message.pop_receipt, visibility_timeout=delay, retry_total=3
            )
        except Exception as exc:
            log.warning(
                "Message %s of queue %r failed and could not be released (%s); released once the queue "
                "answers again, else it reappears in %d s",
                message.id,
                self.queue_name,
                exc,
                RECEIVE_VISIBILITY_TIMEOUT,
            )
            with self._state:
                self._unreleased[message.id] = str(message.pop_receipt)

    def _release_again(self) -> None:
        """After an outage: release the failed runs' messages that could not be released then, so they
        are retried now rather than when their 10-minute receive lease ends. (The Functions host does
        not do this: there such a message waits for its lease. Locally, storage outages are what the
        fault tests make, and a developer expects the app to resume when Azurite is back.)"""
        with self._state:
            pending, self._unreleased = self._unreleased, {}
        delay = max(0, math.ceil(self._options.visibility_timeout))
        for message_id, receipt in pending.items():
            try:
                self._client.update_message(message_id, receipt, visibility_timeout=delay, retry_total=1)
            except ResourceNotFoundError:
                pass  # gone, or its lease ended and another receive took it
            except Exception:
                with self._state:
                    self._unreleased.setdefault(message_id, receipt)

    def _to_poison(self, message: QueueMessage, count: int) -> None:
        poison_name = f"{self.queue_name}-poison"
        try:
            self._poison.send_message(message.content, retry_total=3)  # the original encoded content
        except Exception as exc:
            log.error(
                "Message %s could not be moved to %r (%s); it will be retried", message.id, poison_name, exc
            )
            return
        log.warning(
            "Message %s of queue %r moved to %r after %d tries",
            message.id,
            self.queue_name,
            poison_name,
            count,
        )
        self._delete(message)


def build_listeners(
    functions: Iterable[FunctionSpec],
    settings: Settings,
    clients: QueueClients,
    options: QueueOptions,
    invoker: Invoker,
    on_change: Callable[[], None],
) -> list[QueueListener]:
    """One listener per queue-triggered function, with `%SETTING%`s resolved."""
    listeners = []
    for function in functions:
        if function.trigger_type != "queueTrigger":
            continue
        queue_name = validate_queue_name(settings.resolve(str(function.trigger.get("queueName", ""))))
        connection = settings.resolve(str(function.trigger.get("connection") or "")) or None
        listeners.append(
            QueueListener(
                function,
                queue_name,
                clients.get(connection, queue_name),
                clients.get(connection, f"{queue_name}-poison"),
                options,
                invoker,
                on_change,
            )
        )
    return listeners
