"""`ConfigFile` and `ConfigStore`: the deployed file is fetched only when its ETag changed; the store
keeps the configuration in force, whatever its size, and the outcome of the last check (conftest:
fake and Azurite alike)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.contract.ports.conftest import Ports

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_the_file_is_fetched_when_its_etag_changed(ports: Ports) -> None:
    assert ports.config_file.fetch(None) is None  # nothing deployed yet
    ports.config_file.upload(b'{"v": 1}')
    data, etag = ports.config_file.fetch(None) or (b"", "")
    assert data == b'{"v": 1}' and etag
    assert ports.config_file.fetch(etag) is None
    ports.config_file.upload(b'{"v": 2}')
    data, newer = ports.config_file.fetch(etag) or (b"", "")
    assert data == b'{"v": 2}' and newer != etag


def test_the_store_keeps_the_configuration_in_force_and_the_last_outcome(ports: Ports) -> None:
    assert ports.config.current() is None and ports.config.status() is None
    big = json.dumps({"units": ["x" * 100] * 2000})  # more than one table property holds
    ports.config.save(big, '"e1"', NOW)
    assert ports.config.current() == (big, '"e1"')
    status = ports.config.status() or {}
    assert status["sourceEtag"] == '"e1"' and status["outcome"] == "aplicada"
    ports.config.record('"e2"', "recusada: unidade sem nome", NOW)
    assert ports.config.current() == (big, '"e1"')  # a refused file changes nothing in force
    status = ports.config.status() or {}
    assert status["sourceEtag"] == '"e2"' and status["outcome"].startswith("recusada")
