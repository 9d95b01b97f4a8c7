"""Fuzzing the HTTP API with schemathesis, from the OpenAPI description the dev host serves (issue 10).

Every operation gets a bounded number of generated requests (valid and invalid), derandomized (the same
requests on every run). For each: no 5xx; the answer conforms to the description (status, content type,
headers, body schema); every 4xx is `application/problem+json`; and a rejected request changes nothing
in storage: tables (every entity and its ETag) and queues (the messages waiting) are read before and
after it and compared. Requests for staff routes carry a clerk's Easy Auth principal, so that the
generator gets past authentication into the bodies and parameters.

The dev host runs on a stopped fake clock, so no timer writes to storage while the snapshots are taken;
the queues are drained (host idle) before each request.

**Writes that are accepted.** The bodies' OpenAPI examples (functions/schemas.py,
functions/scheduling_schemas.py) are sent as explicit examples, with the unit of every route set to one
that takes joins, bookings and messages, and the booking examples moved to free slots of the fuzz
clock's day, so that accepted writes happen. Their storage effects are checked against the answer, after
the queues have run: one new ticket per 202 join, with the answer's id, admitted (or rejected by the
one-ticket rule) with its state and events; one new appointment per 201 booking, with its slot's holders;
one new message per 201 message, with the unit's counters; any other accepted write changes only its
unit's partitions (a ★: only the caller's favourite row for the unit); a read changes nothing but the
clerk's heartbeat.
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

from adapters.favorites_table import person_key
from devhost.clock import FakeClock
from tests.support.system import CONFIG_FILE, System, principal_header, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # read by people, not by tests
EXAMPLES = 5  # per operation; × ~40 operations
UNIT = "tjam-tefe-vu"  # self-booking and the asynchronous channel; Manaus (UTC-4), 08:00-14:00
CLERK = "elisa.prado@tjam.jus.br"  # clerk of tjam-tefe-vu
# Free slots of the clock's day (two hours' notice from 10:00), one per booking example (capacity 1).
SLOTS = ("2026-03-03T12:00:00-04:00", "2026-03-03T12:30:00-04:00", "2026-03-03T13:00:00-04:00")
# Not applicable here: the principal is injected above (authorization is walked route × role by
# tests/functions/test_authorization_matrix.py), and a schema-valid request may still name a unit or a
# ticket that does not exist, or a date outside the unit's agenda (a 4xx by design).
EXCLUDED = [checks.ignored_auth, checks.missing_required_header, checks.positive_data_acceptance]
FIGURES: dict[str, Any] = {
    "requests": 0,
    "rejected": 0,
    "accepted": 0,
    "snapshots": 0,
    "by_status": {},
    "writes": {},
}


def fuzz_config() -> bytes:
    """The demo configuration with room in the fuzzed unit's line and join budget: hundreds of valid
    joins are sent (the limits have their own tests in tests/faults/)."""
    raw = json.loads(CONFIG_FILE.read_text("utf-8"))
    unit = next(u for u in raw["units"] if u["id"] == UNIT)
    unit["limits"] = {**unit.get("limits", {}), "maxWaiting": 5000}
    return json.dumps(raw).encode()


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    clock = FakeClock(datetime(2026, 3, 3, 14, 0, tzinfo=UTC))  # a Tuesday, 10:00 in Rio Branco
    with running_system(clock=clock, config=fuzz_config()) as running:
        yield running
    FIGURES["by_status"] = dict(sorted(FIGURES["by_status"].items()))
    line = (
        f"fuzz: {FIGURES['requests']} requests, {FIGURES['rejected']} rejected (4xx, storage checked "
        f"unchanged), {FIGURES['accepted']} accepted, by status {FIGURES['by_status']}; accepted writes "
        f"with their storage effects checked: {FIGURES['writes']}"
    )
    print("\n" + line)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fuzz-figures.txt").write_text(line + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def api_schema(system: System) -> Any:
    raw = with_examples(system.client.get("/api/openapi.json").json())
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.config.update(base_url=f"{system.base_url}{raw['servers'][0]['url']}")
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


def with_examples(raw: dict[str, Any]) -> dict[str, Any]:
    """The served description, with this deployment's values for the examples: the unit of every route
    that names one, and the booking examples on distinct free slots of the clock's day."""
    for operations in raw["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] == "unit":
                    parameter["example"] = UNIT
    slots = iter(SLOTS)
    for name in ("BookBody", "SlotBody"):
        for example in raw["components"]["schemas"][name]["examples"]:
            example["startsAt"] = next(slots)
    return raw


Snapshot = dict[str, dict[Any, Any]]


class Storage:
    """Reads every entity (with its ETag) of every table and the messages waiting in every queue."""

    def __init__(self, conn: str) -> None:
        self.tables = TableServiceClient.from_connection_string(conn)
        self.queues = QueueServiceClient.from_connection_string(conn)
        self.pool = ThreadPoolExecutor(8)
        self.last: Snapshot | None = None

    def _table(self, name: str) -> tuple[str, dict[Any, Any]]:
        # keys only: the ETag comes with them and changes with any write to the entity
        entities = self.tables.get_table_client(name).list_entities(select=["PartitionKey", "RowKey"])
        return f"table:{name}", {(e["PartitionKey"], e["RowKey"]): e.metadata["etag"] for e in entities}

    def _queue(self, name: str) -> tuple[str, dict[Any, Any]]:
        peeked = self.queues.get_queue_client(name).peek_messages(max_messages=32)
        return f"queue:{name}", {m.id: m.id for m in peeked}

    def snapshot(self) -> Snapshot:
        # Every table, the abuse limits' included (adapters/limits_table.py): see `LIMITS_CHARGED`.
        names = [t.name for t in self.tables.list_tables()]
        jobs = [self.pool.submit(self._table, name) for name in names]
        jobs += [self.pool.submit(self._queue, q.name) for q in self.queues.list_queues()]
        FIGURES["snapshots"] += 1
        return dict(job.result() for job in jobs)

    def entity(self, table: str, pk: str, rk: str) -> dict[str, Any]:
        return dict(self.tables.get_table_client(table).get_entity(pk, rk))


Change = tuple[str, str, str, str]  # (kind: added|changed|removed, table or queue, partition, row)

# Issue 16: limits are charged after the cheap checks (body, rules, token), so a request refused by them
# (400, 401, 404, 413, 415) leaves the limits' tables as they were, like everything else. A request that
# passed them is charged, whatever comes next (accepted, or refused after reading the line: already in
# line, line full): that charge is the limiter's bookkeeping, not an effect of the request on the service.
CHEAP_REFUSALS = frozenset({400, 401, 404, 413, 415})


def service_changes(changed: set[Change], status: int) -> set[Change]:
    if status in CHEAP_REFUSALS:
        return changed
    return {c for c in changed if not c[1].startswith("limits")}


def changes(before: Snapshot, after: Snapshot) -> set[Change]:
    found: set[Change] = set()
    for key in before.keys() | after.keys():
        old, new = before.get(key, {}), after.get(key, {})
        where = key.split(":", 1)[1]
        for item in old.keys() | new.keys():
            pk, rk = item if isinstance(item, tuple) else ("", str(item))
            if item not in old:
                found.add(("added", where, pk, rk))
            elif item not in new:
                found.add(("removed", where, pk, rk))
            elif old[item] != new[item]:
                found.add(("changed", where, pk, rk))
    return found


def expected_effects(
    case: Any, status: int, answer: dict[str, Any], found: set[Change], storage: Storage
) -> str:
    """What an accepted request may change, from the rules in the module docstring; "" when it holds."""
    method, path = case.method.upper(), case.operation.path
    unit = (case.path_parameters or {}).get("unit", "")
    outside = {c for c in found if not in_unit(c, unit)}
    if method == "GET":  # a clerk's console read is the clerk's heartbeat (h.* of the unit's day)
        writes = {c for c in found if not (in_unit(c, unit) and c[1] == "tickets" and c[3].startswith("h."))}
        return f"a read changed storage: {sorted(writes)}" if writes else ""
    if outside:
        return f"changed outside its unit {unit!r}: {sorted(outside)}"
    if (method, path, status) == ("POST", "/units/{unit}/tickets", 202):
        tid = answer["ticketId"]
        _, day, short = tid.split(".")
        ticket = ("added", "tickets", f"{unit}.{day}", f"t.{short}")
        tickets = {c for c in found if c[1] == "tickets" and c[3].startswith("t.")}
        if tickets != {ticket}:
            return f"a 202 join must add exactly its ticket {ticket}; tickets changed: {sorted(tickets)}"
        stored = storage.entity("tickets", ticket[2], ticket[3])
        if stored.get("ticketId") != tid or stored.get("status") not in ("waiting", "rejected"):
            return f"the ticket stored is {stored.get('ticketId')} {stored.get('status')}, answered {tid}"
        allowed = {
            ticket,
            ("changed", "tickets", ticket[2], "state"),
            ("added", "tickets", ticket[2], "state"),
        }
        others = {
            c for c in found if c not in allowed and not (c[3].startswith("e.") and f".{short}." in c[3])
        }
        return f"a join changed more than its ticket, state and events: {sorted(others)}" if others else ""
    if (method, path, status) == ("POST", "/units/{unit}/appointments", 201):
        return one_record(
            found, storage, "appointments", unit, answer["appointmentId"], "a.", "appointmentId", "b."
        )
    if (method, path, status) == ("POST", "/units/{unit}/messages", 201):
        return one_record(
            found, storage, "messages", unit, answer["messageId"], "m.", "messageId", "c.", "k."
        )
    return ""


def in_unit(change: Change, unit: str) -> bool:
    _, where, pk, rk = change
    if where == "favorites":  # a ★: the caller's own row for the unit (adapters/favorites_table.py)
        return bool(unit) and (pk, rk) == (person_key(CLERK), unit)
    if where == "tickets":
        return bool(unit) and pk.startswith(f"{unit}.")
    if where in ("appointments", "messages"):
        return bool(unit) and pk == unit
    return False  # queues are drained and other tables are not a request's to change


def one_record(
    found: set[Change],
    storage: Storage,
    table: str,
    unit: str,
    record_id: str,
    prefix: str,
    key: str,
    *extra: str,
) -> str:
    """Exactly one new record (`prefix` row with the answer's id) and only rows of `extra` kinds besides."""
    _, day, short = record_id.split(".")
    row = ("added", table, unit, f"{prefix}{day}.{short}")
    rows = {c for c in found if c[3].startswith(prefix)}
    if rows - {("changed", table, unit, row[3])} != {row}:
        return f"expected one new {table} row {row}; rows changed: {sorted(rows)}"
    stored = storage.entity(table, unit, row[3])
    if stored.get(key) != record_id:
        return f"the {table} row holds {key} {stored.get(key)!r}, answered {record_id!r}"
    others = {c for c in found if c[3] != row[3] and not c[3].startswith(extra)}
    return f"more than the new {table} row changed: {sorted(others)}" if others else ""


@pytest.fixture(scope="module")
def storage(system: System) -> Iterator[Storage]:
    reader = Storage(system.settings["AzureWebJobsStorage"])
    yield reader
    reader.pool.shutdown()


# One test item runs the whole API (~1,600 requests, a storage snapshot after each): on a shared machine
# it takes longer than the suite's default 300 s per test (main's fuzz did too, under load).
@pytest.mark.timeout(900)
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
    changed = service_changes(changes(before, after), status)
    if 400 <= status < 500:
        FIGURES["rejected"] += 1
        kind = (response.headers.get("content-type") or [""])[0]
        assert kind.startswith("application/problem+json"), f"{status} answered as {kind}"
        problem = json.loads(response.content)
        assert problem["status"] == status and problem["title"]
        assert not changed, f"{case.method} {case.formatted_path} -> {status} changed {sorted(changed)}"
    else:
        FIGURES["accepted"] += 1
        answer = response.json() if "json" in (response.headers.get("content-type") or [""])[0] else {}
        wrong = expected_effects(case, status, answer, changed, storage)
        assert not wrong, f"{case.method} {case.formatted_path} -> {status}: {wrong}"
        if case.method.upper() != "GET":
            op = f"{case.method.upper()} {case.operation.path} {status}"
            FIGURES["writes"][op] = FIGURES["writes"].get(op, 0) + 1


def test_accepted_writes_happened() -> None:
    """The fuzz run above (same module, run first) wrote through each public write route: its examples
    reached the code that stores, and the effects were checked."""
    wanted = {
        "POST /units/{unit}/tickets 202",
        "POST /units/{unit}/appointments 201",
        "POST /units/{unit}/messages 201",
    }
    assert wanted <= set(FIGURES["writes"]), f"accepted writes: {FIGURES['writes']} (run with test_api)"
