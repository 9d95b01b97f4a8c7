"""Storage Queues adapter: JSON messages, base64-encoded as the Functions host expects.

Also drains extra messages for a batch: the Python worker hands a queue function one message at a
time, so the admission function takes more of what is waiting itself (`Drain`) and admits them in one
transaction per unit; those it takes are deleted only after the admission committed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from azure.core.exceptions import ResourceExistsError
from azure.storage.queue import (
    BinaryBase64DecodePolicy,
    BinaryBase64EncodePolicy,
    QueueClient,
    QueueServiceClient,
)

from adapters import telemetry
from domain.ports import QueuedMessage


class StorageQueueBus:
    """MessageBus over Azure Storage Queues."""

    def __init__(self, service: QueueServiceClient, ttl_s: int = 24 * 3600) -> None:
        self._service = service
        self._ttl_s = ttl_s  # join requests and meeting requests are worthless after a day
        self._clients: dict[str, QueueClient] = {}
        self._lock = threading.Lock()

    def client(self, queue: str) -> QueueClient:
        with self._lock:
            client = self._clients.get(queue)
            if client is None:
                client = self._service.get_queue_client(
                    queue,
                    message_encode_policy=BinaryBase64EncodePolicy(),
                    message_decode_policy=BinaryBase64DecodePolicy(),
                )
                try:
                    client.create_queue()
                except ResourceExistsError:
                    pass
                self._clients[queue] = client
            return client

    def send(self, queue: str, payload: Mapping[str, Any], delay_s: int = 0) -> None:
        """Send a JSON message; it carries the current trace context (`_trace`) for its handler."""
        body = json.dumps(telemetry.with_trace(payload), ensure_ascii=False, separators=(",", ":")).encode()
        self.client(queue).send_message(body, visibility_timeout=delay_s or None, time_to_live=self._ttl_s)

    def drain(
        self, queue: str, max_messages: int, visibility_timeout_s: int = 30, max_dequeue: int = 5
    ) -> Drain:
        """Take up to `max_messages` more messages for the caller to process as a batch: pages of up to
        32 (one request each), the next only while the last came back full (the queue is long).

        Messages already tried `max_dequeue` times are not taken into the batch: they go back to the
        queue, where the host moves them to the poison queue."""
        client = self.client(queue)
        taken: list[Any] = []
        while len(taken) < max_messages:
            want = min(32, max_messages - len(taken))
            page = list(
                client.receive_messages(
                    messages_per_page=want, visibility_timeout=visibility_timeout_s, max_messages=want
                )
            )
            taken += page
            if len(page) < want:
                break
        drain = Drain(client, taken, max_dequeue)
        telemetry.batched(queue, [item.payload for item in drain.items])
        return drain

    def discard(self, queue: str, field: str, value: str) -> int:
        """Delete the messages whose payload has `field` == `value`. Each message is received once
        (hidden while the scan goes on) and the others are made visible again at the end; a scan stops
        after `_DISCARD_PAGES` pages (a poison queue holds few messages)."""
        client = self.client(queue)
        kept: list[Any] = []
        deleted = 0
        try:
            for _ in range(_DISCARD_PAGES):
                page = list(
                    client.receive_messages(messages_per_page=32, max_messages=32, visibility_timeout=60)
                )
                if not page:
                    break
                for msg in page:
                    if _payload(msg).get(field) == value:
                        client.delete_message(msg)
                        deleted += 1
                    else:
                        kept.append(msg)
        finally:
            for msg in kept:
                client.update_message(msg.id, msg.pop_receipt, visibility_timeout=0)
        return deleted


_DISCARD_PAGES = 100


def _payload(msg: Any) -> dict[str, Any]:
    try:
        payload = json.loads(msg.content)
    except (ValueError, TypeError):
        return {}
    return payload if isinstance(payload, dict) else {}


class Drain:
    """Messages taken from a queue; `complete()` deletes them once their work is committed.

    A message that does not parse is left alone: it returns to the queue and, after the host's
    maximum dequeue count, to the poison queue, where an administrator sees it."""

    def __init__(self, client: QueueClient, messages: list[Any], max_dequeue: int = 5) -> None:
        self._client = client
        self._messages = messages
        self.items: list[QueuedMessage] = []
        self._ok: list[Any] = []
        for msg in messages:
            payload = _payload(msg)
            if payload and int(msg.dequeue_count or 1) < max_dequeue:
                self.items.append(QueuedMessage(payload, int(msg.dequeue_count or 1)))
                self._ok.append(msg)

    def complete(self) -> None:
        for msg in self._ok:
            self._client.delete_message(msg)
