"""Shared fixtures: one private Azurite per test session (per xdist worker), demo configuration."""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support.azurite import Azurite

# On CI the property tests run the same examples every time (a red build must be reproducible);
# locally they explore new ones on every run.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
CONFIG_FILE = ROOT / "infra" / "config" / "balcao.json"


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    with Azurite() as running:
        yield running


@pytest.fixture
def storage_env(azurite: Azurite) -> dict[str, str]:
    return {"AzureWebJobsStorage": azurite.connection_string}


@pytest.fixture
def unique() -> str:
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
def token_keys() -> str:
    return "k1:" + base64.b64encode(os.urandom(32)).decode()
