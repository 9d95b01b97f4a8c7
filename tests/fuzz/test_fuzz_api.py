"""Fuzzing the HTTP API with schemathesis, from the OpenAPI description the dev host serves (issue 10).

Every operation gets a bounded number of generated requests (valid and invalid), derandomized (the same
requests on every run). For each: no 5xx; the answer conforms to the description (status, content type,
headers, body schema); every 4xx is `application/problem+json`; and a rejected request changes nothing
in storage: tables (every entity and its ETag) and queues (the messages waiting) are read before and
after it and compared. Requests for staff routes carry a clerk's Easy Auth principal, so that the
generator gets past authentication into the bodies and parameters.

The dev host runs on a stopped fake clock, so no timer writes to storage while the snapshots are taken;
the queues are drained (host idle) before each request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueServiceClient
from hypothesis import HealthCheck, settings
from schemathesis import checks

from devhost.clock import FakeClock
from tests.support.system import System, principal_header, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # read by people, not by tests
EXAMPLES = 5  # per operation; × ~40 operations
CLERK = "bruno.lima@trf1.jus.br"  # clerk of trf1-sjac-01vf
# Not applicable here: the principal is injected above (authorization is walked route × role by
# tests/functions/test_authorization_matrix.py), and a schema-valid request may still name a unit or a
# ticket that does not exist, or a date outside the unit's agenda (a 4xx by design).
EXCLUDED = [checks.ignored_auth, checks.missing_required_header, checks.positive_data_acceptance]
FIGURES = {"requests": 0, "rejected": 0, "accepted": 0, "snapshots": 0, "by_status": {}}


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    clock = FakeClock(datetime(2026, 3, 3, 14, 0, tzinfo=UTC))  # a Tuesday, 10:00 in Rio Branco
    with running_system(clock=clock) as running:
        yield running
    FIGURES["by_status"] = dict(sorted(FIGURES["by_status"].items()))
    line = (
        f"fuzz: {FIGURES['requests']} requests, {FIGURES['rejected']} rejected (4xx, storage checked "
        f"unchanged), {FIGURES['accepted']} accepted, by status {FIGURES['by_status']}"
    )
    print("\n" + line)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fuzz-figures.txt").write_text(line + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def api_schema(system: System) -> Any:
    raw = system.client.get("/api/openapi.json").json()
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.config.update(base_url=f"{system.base_url}{raw['servers'][0]['url']}")
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


class Storage:
    """Reads every entity (with its ETag) of every table and the messages waiting in every queue."""

    def __init__(self, conn: str) -> None:
        self.tables = TableServiceClient.from_connection_string(conn)
        self.queues = QueueServiceClient.from_connection_string(conn)
        self.pool = ThreadPoolExecutor(8)
        self.last: dict[str, Any] | None = None

    def _table(self, name: str) -> tuple[str, Any]:
        entities = self.tables.get_table_client(name).list_entities()
        return f"table:{name}", sorted((e["PartitionKey"], e["RowKey"], e.metadata["etag"]) for e in entities)

    def _queue(self, name: str) -> tuple[str, Any]:
        peeked = self.queues.get_queue_client(name).peek_messages(max_messages=32)
        return f"queue:{name}", sorted(m.id for m in peeked)

    def snapshot(self) -> dict[str, Any]:
        jobs = [self.pool.submit(self._table, t.name) for t in self.tables.list_tables()]
        jobs += [self.pool.submit(self._queue, q.name) for q in self.queues.list_queues()]
        FIGURES["snapshots"] += 1
        return dict(job.result() for job in jobs)


@pytest.fixture(scope="module")
def storage(system: System) -> Iterator[Storage]:
    reader = Storage(system.settings["AzureWebJobsStorage"])
    yield reader
    reader.pool.shutdown()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api(case: Any, system: System, storage: Storage) -> None:
    if any("easyAuth" in s for s in (case.operation.definition.raw.get("security") or [])):
        case.headers = {**(case.headers or {}), **principal_header(CLERK)}
    # what the previous request left (read after it, with the host idle) is what this one starts from
    before = storage.last if storage.last is not None else storage.snapshot()
    response = case.call()
    FIGURES["requests"] += 1
    status = response.status_code
    FIGURES["by_status"][status] = FIGURES["by_status"].get(status, 0) + 1
    case.validate_response(response, excluded_checks=EXCLUDED)
    assert status < 500, f"{case.method} {case.formatted_path}: {status} {response.text[:300]}"
    storage.last = None
    assert system.host.wait_idle(10)
    after = storage.last = storage.snapshot()
    if 400 <= status < 500:
        FIGURES["rejected"] += 1
        kind = (response.headers.get("content-type") or [""])[0]
        assert kind.startswith("application/problem+json"), f"{status} answered as {kind}"
        problem = json.loads(response.content)
        assert problem["status"] == status and problem["title"]
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        assert not changed, f"{case.method} {case.formatted_path} -> {status} changed {sorted(changed)}"
    else:
        FIGURES["accepted"] += 1
