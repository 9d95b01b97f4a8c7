"""Everything written in one storage account, as text to search: every entity of every table, every
message waiting in every queue (the `-poison` queues included) and every blob.

Built for the personal-data tests (tests/lgpd/): they plant strings a person would type and look for
them here, without relying on the domain's own list of personal fields. Strings nested in JSON (a field
holding a JSON list, a queue message) and base64 queue messages are opened, escapes are dropped and the
search ignores case, so a copy cannot hide behind an encoding, a backslash or a capital letter.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueServiceClient

PEEK_MAX = 32  # what one peek can return: a queue holding more cannot be read without taking messages
BLOB_MAX = 2 * 1024 * 1024


@dataclass(frozen=True)
class Record:
    """One thing stored: where it is and every string in it (lower-cased)."""

    where: str
    text: str
    ttl: timedelta | None = None  # queue messages: how long the message lives in its queue

    @property
    def numbers(self) -> list[str]:
        """Each number written in the text, separators (spaces, dots, dashes, brackets) dropped."""
        return [re.sub(r"\D", "", run) for run in _NUMBER.findall(self.text)]


_NUMBER = re.compile(r"\d[\d .\-/()]*\d")


def strings(value: Any) -> Iterator[str]:
    """Every string in `value`, opening JSON held in strings."""
    if isinstance(value, str):
        yield value
        if value[:1] in ("{", "[", '"'):
            try:
                inner = json.loads(value)
            except ValueError:
                return
            yield from strings(inner)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)
    elif value is not None:
        yield str(value)


def _message_text(content: str) -> str:
    try:
        return base64.b64decode(content, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return content


def record(where: str, value: Any, ttl: timedelta | None = None) -> Record:
    """`value`'s strings, lower-cased and without backslashes (Markdown and JSON escapes hide nothing)."""
    return Record(where, "\n".join(strings(value)).lower().replace("\\", ""), ttl)


def dump_account(connection_string: str) -> list[Record]:
    """Read everything in the account (the host should be idle: messages being handled are invisible)."""
    records: list[Record] = []
    tables = TableServiceClient.from_connection_string(connection_string)
    for table in tables.list_tables():
        for entity in tables.get_table_client(table.name).list_entities():
            where = f"table {table.name} {entity['PartitionKey']}/{entity['RowKey']}"
            records.append(record(where, dict(entity)))
    queues = QueueServiceClient.from_connection_string(connection_string)
    for queue in queues.list_queues():
        client = queues.get_queue_client(queue.name)
        count = client.get_queue_properties().approximate_message_count or 0
        assert count <= PEEK_MAX, f"queue {queue.name} holds {count} messages: more than a peek can read"
        for message in client.peek_messages(max_messages=PEEK_MAX):
            ttl = (
                message.expires_on - message.inserted_on
                if message.expires_on and message.inserted_on
                else None
            )
            records.append(record(f"queue {queue.name} {message.id}", _message_text(message.content), ttl))
    blobs = BlobServiceClient.from_connection_string(connection_string)
    for container in blobs.list_containers():
        holder = blobs.get_container_client(container.name)
        for blob in holder.list_blobs():
            if (blob.size or 0) <= BLOB_MAX:
                data = holder.download_blob(blob.name).readall().decode("utf-8", errors="replace")
                records.append(record(f"blob {container.name}/{blob.name}", data))
    return records


def variants(planted: str) -> set[str]:
    """What to look for: the planted text (any case) and, when it holds a number of 6 digits or more
    (OAB, process, phone), that number however it is written."""
    return {planted.lower(), *(n for n in Record("", planted.lower()).numbers if len(n) >= 6)}


def _in_numbers(needle: str, record: Record) -> bool:
    return needle.isdigit() and any(needle in number for number in record.numbers)


def where_found(records: Iterable[Record], planted: Iterable[str]) -> dict[str, list[str]]:
    """planted string → where it (or a variant) was found; only strings found somewhere are keys."""
    records = list(records)
    found: dict[str, list[str]] = {}
    for text in planted:
        needles = variants(text)
        hits = [r.where for r in records if any(n in r.text or _in_numbers(n, r) for n in needles)]
        if hits:
            found[text] = hits
    return found
