"""Fixtures for the dev host tests: a fresh test app per host, and hosts that always stop."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devhost import DevHost
from tests.devhost.sample_app import Recorder


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def make_host() -> Iterator[Callable[..., DevHost]]:
    """Build and start DevHosts; every one is stopped at the end of the test."""
    hosts: list[DevHost] = []

    def make(app: Any, **kwargs: Any) -> DevHost:
        host = DevHost(app, **kwargs)
        hosts.append(host)
        return host.start()

    yield make
    for host in hosts:
        host.stop()
