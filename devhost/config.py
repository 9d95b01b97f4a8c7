"""Host configuration: host.json (`extensions.http`, `extensions.queues`), local.settings.json and
`%SETTING%` expressions, read the way the Functions host reads them.

Defaults are the host's own: routePrefix `api`; queues batchSize 16, newBatchThreshold batchSize/2,
maxPollingInterval one minute, visibilityTimeout zero, maxDequeueCount 5, base64 messages.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devhost.errors import ConfigurationError

_TIMESPAN = re.compile(r"^(?:(?P<days>\d+)\.)?(?P<h>\d{1,2}):(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)$")
_SETTING = re.compile(r"%([^%]+)%")
_QUEUE_NAME = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")


def parse_timespan(text: str | int | float) -> float:
    """Seconds in a .NET TimeSpan such as `00:00:02`, `1.00:00:00` or `00:00:00.250`."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    match = _TIMESPAN.match(str(text).strip())
    if not match:
        raise ConfigurationError(f"{text!r} is not a TimeSpan (expected [d.]hh:mm:ss[.fff])")
    days = int(match["days"] or 0)
    return days * 86400 + int(match["h"]) * 3600 + int(match["m"]) * 60 + float(match["s"])


@dataclass(frozen=True)
class QueueOptions:
    """`extensions.queues` in host.json."""

    batch_size: int = 16
    new_batch_threshold: int = 8
    max_polling_interval: float = 60.0  # seconds
    visibility_timeout: float = 0.0  # seconds before a failed message is visible again
    max_dequeue_count: int = 5
    message_encoding: str = "base64"  # or "none"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QueueOptions:
        batch_size = int(data.get("batchSize", 16))
        if not 1 <= batch_size <= 32:
            raise ConfigurationError(f"queues.batchSize must be between 1 and 32, not {batch_size}")
        threshold = int(data.get("newBatchThreshold", batch_size // 2))
        if threshold < 0:
            raise ConfigurationError("queues.newBatchThreshold must not be negative")
        max_dequeue = int(data.get("maxDequeueCount", 5))
        if max_dequeue < 1:
            raise ConfigurationError("queues.maxDequeueCount must be at least 1")
        polling = parse_timespan(data.get("maxPollingInterval", "00:01:00"))
        if polling < 0.1:
            raise ConfigurationError("queues.maxPollingInterval must be at least 100 ms")
        encoding = str(data.get("messageEncoding", "base64")).lower()
        if encoding not in ("base64", "none"):
            raise ConfigurationError(f"queues.messageEncoding must be base64 or none, not {encoding!r}")
        return cls(
            batch_size=batch_size,
            new_batch_threshold=threshold,
            max_polling_interval=polling,
            visibility_timeout=parse_timespan(data.get("visibilityTimeout", "00:00:00")),
            max_dequeue_count=max_dequeue,
            message_encoding=encoding,
        )


@dataclass(frozen=True)
class HostConfig:
    """The parts of host.json the dev host honours."""

    route_prefix: str = "api"
    queues: QueueOptions = field(default_factory=QueueOptions)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HostConfig:
        extensions = data.get("extensions") or {}
        http = extensions.get("http") or {}
        prefix = str(http.get("routePrefix", "api")).strip("/")
        return cls(route_prefix=prefix, queues=QueueOptions.from_dict(extensions.get("queues") or {}))

    @classmethod
    def load(cls, source: Path | Mapping[str, Any] | None) -> HostConfig:
        """Read host.json from a path or an already parsed mapping; None means the defaults."""
        if source is None:
            return cls()
        if isinstance(source, Path):
            try:
                data = json.loads(source.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ConfigurationError(f"cannot read {source}: {exc}") from exc
            return cls.from_dict(data)
        return cls.from_dict(source)


@dataclass(frozen=True)
class LocalSettings:
    """The parts of local.settings.json that Core Tools honours."""

    values: dict[str, str]
    http_port: int | None = None
    cors: str = ""  # Host.CORS: the origins allowed to call the functions from a browser


def load_local_settings(path: Path) -> LocalSettings:
    """Read local.settings.json. Values become strings, as app settings are."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from exc
    if data.get("IsEncrypted"):
        raise ConfigurationError(f"{path} is encrypted; the dev host reads plain settings only")
    values: dict[str, str] = {}
    for key, value in (data.get("Values") or {}).items():
        if isinstance(value, bool):
            values[key] = "true" if value else "false"
        elif value is None:
            values[key] = ""
        else:
            values[key] = str(value)
    host = data.get("Host") or {}
    port = host.get("LocalHttpPort")
    return LocalSettings(
        values=values, http_port=int(port) if port is not None else None, cors=str(host.get("CORS") or "")
    )


def export_settings(values: Mapping[str, str], environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Copy settings into the environment, as Core Tools does; variables already set win.

    Returns the names that were added.
    """
    target = os.environ if environ is None else environ
    added = [name for name in values if name not in target]
    for name in added:
        target[name] = values[name]
    return added


class Settings:
    """App settings as the host sees them: an explicit overlay first, then the process environment."""

    def __init__(self, overlay: Mapping[str, str] | None = None) -> None:
        self._overlay = dict(overlay or {})

    @property
    def overlay(self) -> Mapping[str, str]:
        return self._overlay

    def get(self, name: str) -> str | None:
        if name in self._overlay:
            return self._overlay[name]
        return os.environ.get(name)

    def resolve(self, text: str) -> str:
        """Replace each `%NAME%` in a binding expression by the setting's value."""

        def substitute(match: re.Match[str]) -> str:
            value = self.get(match[1])
            if value is None:
                raise ConfigurationError(f"the app setting {match[1]!r} (used in {text!r}) is not set")
            return value

        return _SETTING.sub(substitute, text)


def validate_queue_name(name: str) -> str:
    """Lower-case a queue name and check it against Azure's rules, as the host does."""
    lowered = name.lower()
    if not _QUEUE_NAME.match(lowered):
        raise ConfigurationError(
            f"{name!r} is not a valid queue name (3-63 characters: letters, digits, single hyphens)"
        )
    return lowered
