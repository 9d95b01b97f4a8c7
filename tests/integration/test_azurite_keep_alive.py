"""The test Azurite keeps idle connections for minutes, as Azure Storage does, not Node's 5 s: with 5 s a
pooled SDK connection reused at the moment Azurite closes it fails the request (`Connection reset by
peer`), which the tables SDK does not retry for a POST (tests/support/azurite.py). Node announces the
timeout it applies in each answer's `Keep-Alive` header (RFC 9112 §9.3 keeps the connection open)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.azurite import ACCOUNT, Azurite

pytestmark = [pytest.mark.azurite]

AT_LEAST_S = 120  # longer than any idle gap of a test or of `make bench` between two storage requests


def test_each_service_keeps_an_idle_connection_for_minutes(azurite: Azurite) -> None:
    for port in (azurite.blob_port, azurite.queue_port, azurite.table_port):
        answer = httpx.get(f"http://127.0.0.1:{port}/{ACCOUNT}", timeout=10)
        keep_alive = answer.headers.get("keep-alive", "")
        assert keep_alive.startswith("timeout="), (port, answer.headers)
        assert int(keep_alive.removeprefix("timeout=")) >= AT_LEAST_S, (port, keep_alive)
