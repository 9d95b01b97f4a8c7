"""Where the configuration comes from and where the app keeps the last good one.

Deployment (Bicep) or `make run` uploads `infra/config/balcao.json` to the blob named by
`BALCAO_CONFIG_BLOB` (`container/path`). A timer checks the blob's ETag every minute; a changed file is
validated and, if good, stored in the `config` table, from which every worker reads it (cached). A bad
file is refused with its pt-BR reasons recorded, and the last good configuration stays in force.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient, UpdateMode
from azure.storage.blob import BlobServiceClient

from adapters.storage import TableClients, operation
from adapters.tables import get_long_text, put_long_text
from domain.config import Configuration, parse_configuration
from domain.errors import InvalidInputError, TransientProviderError

CONFIG_TABLE = "config"


class BlobConfigSource:
    def __init__(self, service: BlobServiceClient, blob_path: str) -> None:
        container, _, name = blob_path.partition("/")
        if not container or not name:
            raise ValueError("BALCAO_CONFIG_BLOB must look like 'container/path/file.json'")
        self._blob = service.get_blob_client(container, name)
        self._container = service.get_container_client(container)

    def fetch(self, known_etag: str | None) -> tuple[bytes, str] | None:
        """The file and its ETag, or None if unchanged (or missing)."""
        try:
            props = self._blob.get_blob_properties()
        except ResourceNotFoundError:
            return None
        if props.etag == known_etag:
            return None
        download = self._blob.download_blob()
        return download.readall(), str(download.properties.etag)

    def upload(self, data: bytes) -> None:
        try:
            self._container.create_container()
        except ResourceExistsError:
            pass
        self._blob.upload_blob(data, overwrite=True)


class TableConfigStore:
    """The last good configuration (and the outcome of the last attempt) in Table Storage."""

    def __init__(self, service: TableServiceClient, table: str = CONFIG_TABLE) -> None:
        self._tables = TableClients(service)
        self._table_name = table

    @property
    def table(self) -> TableClient:
        return self._tables(self._table_name)

    def current(self) -> tuple[str, str] | None:
        """(configuration JSON, source etag) of the last good configuration, or None."""
        try:
            entity = self.table.get_entity("config", "current")
        except ResourceNotFoundError:
            return None
        return get_long_text(entity, "part"), str(entity.get("sourceEtag", ""))

    def save(self, text: str, source_etag: str, now: datetime) -> None:
        entity: dict[str, Any] = {
            "PartitionKey": "config",
            "RowKey": "current",
            "sourceEtag": source_etag,
            "appliedAt": now.isoformat(),
        }
        put_long_text(entity, "part", text)
        self.table.upsert_entity(entity, mode=UpdateMode.REPLACE)
        self.record(source_etag, "aplicada", now)

    def record(self, source_etag: str, outcome: str, now: datetime) -> None:
        self.table.upsert_entity(
            {
                "PartitionKey": "config",
                "RowKey": "status",
                "sourceEtag": source_etag,
                "outcome": outcome[:30000],
                "at": now.isoformat(),
            },
            mode=UpdateMode.REPLACE,
        )

    def status(self) -> dict[str, Any] | None:
        try:
            return dict(self.table.get_entity("config", "status"))
        except ResourceNotFoundError:
            return None


class CachedConfiguration:
    """Callable returning the current Configuration: one table read per `ttl_s` per worker, parsed
    only when it changed (`on_change` is told then). The read is metered as `configuration`, not
    charged to the request that happened to find the cache expired."""

    def __init__(
        self,
        store: TableConfigStore,
        ttl_s: float = 30.0,
        on_change: Callable[[Configuration], None] | None = None,
    ) -> None:
        self._store = store
        self._ttl_s = ttl_s
        self._on_change = on_change
        self._lock = threading.Lock()
        self._checked = 0.0
        self._text = ""
        self._config: Configuration | None = None

    def __call__(self) -> Configuration:
        if self._config is not None and time.monotonic() - self._checked < self._ttl_s:
            return self._config
        changed = None
        with self._lock:
            if self._config is None or time.monotonic() - self._checked >= self._ttl_s:
                with operation("configuration"):
                    found = self._store.current()
                if found is None and self._config is None:
                    # A fresh deployment before the minute timer's first sync (no startup run in Azure).
                    raise TransientProviderError(
                        "O Balcão Virtual está sendo configurado. Tente novamente em um minuto.",
                        reason="no_configuration_yet",
                    )
                if found is not None and found[0] != self._text:
                    self._config = changed = parse_configuration(found[0])
                    self._text = found[0]
                self._checked = time.monotonic()
            config = self._config
        assert config is not None
        if changed is not None and self._on_change is not None:
            self._on_change(changed)
        return config

    def invalidate(self) -> None:
        self._checked = 0.0


def main(argv: list[str] | None = None) -> int:
    """`python -m adapters.config_source FILE`: upload a configuration file to the configured blob
    (what the Bicep deployment does in Azure), after checking it, so `make run` uses the same path."""
    import argparse
    import os
    from pathlib import Path

    from adapters.storage import blob_service

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    data = args.file.read_bytes()
    try:
        config = parse_configuration(data)
    except InvalidInputError as exc:
        print(exc.message)
        return 2
    blob = os.environ.get("BALCAO_CONFIG_BLOB", "config/balcao.json")
    BlobConfigSource(blob_service(os.environ), blob).upload(data)
    print(f"configuração enviada para {blob}: {len(config.units)} unidades, {len(config.staff)} pessoas")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
