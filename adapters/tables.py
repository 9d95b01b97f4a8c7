"""Table Storage adapter for the queue: one partition per unit and service day (DESIGN §4).

Partition `{unit}.{YYYYMMDD}` holds:
- `state`            the QueueState (line as compact text in chunked properties, called/clerks as JSON)
- `t.{short}`        one entity per ticket (what the citizen typed, statuses, timestamps, meeting)
- `e.{ms}.{short}.{action}`  the event log (audit trail and the source of metric rollups)
- `s.{short}`        the satisfaction survey
- `n.{key}`          markers of side effects already done (cards sent)

Commits are entity-group transactions guarded by the state's ETag. Azure errors are translated here:
a stale ETag becomes ConcurrentUpdateError, an existing ticket on create becomes DuplicateTicketError.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient, TableTransactionError, UpdateMode

from adapters.storage import TableClients
from domain.errors import ConcurrentUpdateError, ConflictError
from domain.ordering import Entry, PriorityClass
from domain.ports import DuplicateTicketError
from domain.queue import Called, Clerk, QueueState, Reach
from domain.tickets import AttendanceEvent, TicketEvent, TicketId, TicketWrite, event_row

TICKETS_TABLE = "tickets"
_CHUNK = 30_000  # characters per string property (the limit is 64 KiB = 32K UTF-16 units)


def encode_line(line: Sequence[Entry]) -> str:
    return ";".join(
        f"{e.short},{int(e.klass)},{e.arrived_ms},{e.seq},{e.category},{e.companions},{e.person},{e.absent_since_ms}"
        for e in line
    )


def decode_line(text: str) -> list[Entry]:
    out = []
    for item in filter(None, text.split(";")):
        short, klass, arrived, seq, cat, comp, person, absent = item.split(",")
        out.append(
            Entry(
                short, PriorityClass(int(klass)), int(arrived), int(seq), cat, int(comp), person, int(absent)
            )
        )
    return out


def put_long_text(entity: dict[str, Any], name: str, text: str) -> None:
    """A string property may hold 32K UTF-16 units: longer texts are split over `name0..nameN`."""
    chunks = [text[i : i + _CHUNK] for i in range(0, len(text), _CHUNK)] or [""]
    entity[f"{name}Chunks"] = len(chunks)
    for i, chunk in enumerate(chunks):
        entity[f"{name}{i}"] = chunk


def get_long_text(entity: Mapping[str, Any], name: str) -> str:
    return "".join(entity.get(f"{name}{i}", "") for i in range(int(entity.get(f"{name}Chunks", 0))))


def state_to_entity(state: QueueState) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "PartitionKey": f"{state.unit_id}.{state.day}",
        "RowKey": "state",
        "seq": state.seq,
        "cycle": state.cycle,
        "version": state.version,
        "closed": state.closed,
        "closedAt": str(state.closed_at_ms),  # epoch ms overflow Edm.Int32; text keeps them plain
        "unattendedSince": str(state.unattended_since_ms),
        "unattendedAlerted": state.unattended_alerted,
        "serviceAvg": float(state.service_avg_s),
        "serviceN": state.service_n,
        "waiting": state.waiting_count(),
    }
    put_long_text(entity, "line", encode_line(state.line))
    put_long_text(
        entity,
        "called",
        json.dumps({k: {**asdict(c), "entry": encode_line([c.entry])} for k, c in state.called.items()}),
    )
    put_long_text(entity, "clerks", json.dumps({k: asdict(c) for k, c in state.clerks.items()}))
    put_long_text(entity, "reach", json.dumps({k: asdict(r) for k, r in state.reach.items()}))
    return entity


def state_from_entity(unit_id: str, day: str, entity: Mapping[str, Any]) -> QueueState:
    line = get_long_text(entity, "line")
    called = {}
    for key, raw in json.loads(get_long_text(entity, "called") or "{}").items():
        raw["entry"] = decode_line(raw["entry"])[0]
        called[key] = Called(**raw)
    clerks = {k: Clerk(**v) for k, v in json.loads(get_long_text(entity, "clerks") or "{}").items()}
    reach = {k: Reach(**v) for k, v in json.loads(get_long_text(entity, "reach") or "{}").items()}
    return QueueState(
        unit_id=unit_id,
        day=day,
        seq=int(entity.get("seq", 0)),
        cycle=int(entity.get("cycle", 0)),
        line=decode_line(line),
        called=called,
        clerks=clerks,
        service_avg_s=float(entity.get("serviceAvg", 0.0)),
        service_n=int(entity.get("serviceN", 0)),
        version=int(entity.get("version", 0)),
        closed=str(entity.get("closed", "")),
        closed_at_ms=int(entity.get("closedAt") or 0),
        unattended_since_ms=int(entity.get("unattendedSince") or 0),
        unattended_alerted=bool(entity.get("unattendedAlerted", False)),
        reach=reach,
    )


def _ticket_rk(ticket_id: str) -> tuple[str, str]:
    tid = TicketId.parse(ticket_id)
    return f"{tid.unit_id}.{tid.day:%Y%m%d}", f"t.{tid.short}"


def _survey_slot(ticket_rk: str) -> str:
    """The row that says a finished attendance's survey is still to be answered (no personal data)."""
    return f"v.{ticket_rk[2:]}"


def _event_entity(pk: str, event: TicketEvent | AttendanceEvent) -> dict[str, Any]:
    key, fields = event_row(event)
    return {"PartitionKey": pk, "RowKey": key, **fields}


def _plain(entity: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entity.items() if k not in ("PartitionKey", "RowKey")}


class TableQueueStore:
    """QueueStore over Azure Table Storage (or Azurite)."""

    def __init__(self, service: TableServiceClient, table: str = TICKETS_TABLE) -> None:
        self._tables = TableClients(service)
        self._table_name = table
        self._cache: dict[tuple[str, str], tuple[float, QueueState]] = {}
        self._cache_lock = threading.Lock()
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}
        # The last state this worker read or committed, with its etag, as entity text (copied on use).
        self._known: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}

    @property
    def table(self) -> TableClient:
        return self._tables(self._table_name)

    # --- state -------------------------------------------------------------------------------

    def load(self, unit_id: str, day: str) -> tuple[QueueState, str | None]:
        try:
            entity = self.table.get_entity(f"{unit_id}.{day}", "state")
        except ResourceNotFoundError:
            return QueueState(unit_id=unit_id, day=day), None
        state = state_from_entity(unit_id, day, entity)
        etag = str(entity.metadata["etag"])
        with self._cache_lock:
            self._known[(unit_id, day)] = (etag, dict(entity))
        return state, etag

    def load_for_change(self, unit_id: str, day: str) -> tuple[QueueState, str | None]:
        """The state as this worker last read or committed it, without a read (QueueStore). It is
        rebuilt from the entity's properties, so that the caller's changes never touch the copy kept."""
        with self._cache_lock:
            known = self._known.get((unit_id, day))
        if known is None:
            return self.load(unit_id, day)
        return state_from_entity(unit_id, day, known[1]), known[0]

    def peek(self, unit_id: str, day: str, max_age_s: float = 1.0) -> QueueState:
        """At most one read per `max_age_s` per process, however many callers (single flight)."""
        key = (unit_id, day)
        cached = self._cache.get(key)
        if cached and time.monotonic() - cached[0] < max_age_s:
            return cached[1]
        with self._cache_lock:
            lock = self._key_locks.setdefault(key, threading.Lock())
        with lock:
            cached = self._cache.get(key)
            if cached and time.monotonic() - cached[0] < max_age_s:
                return cached[1]
            state, _ = self.load(unit_id, day)
            self._cache[key] = (time.monotonic(), state)
            return state

    def commit(self, state: QueueState, etag: str | None, writes: Sequence[TicketWrite] = ()) -> None:
        pk = f"{state.unit_id}.{state.day}"
        ops: list[tuple[Any, ...]] = []
        owners: list[str] = [""]
        entity = state_to_entity(state)
        if etag is None:
            ops.append(("create", entity))
        else:
            ops.append(
                (
                    "update",
                    entity,
                    {
                        "mode": UpdateMode.REPLACE,
                        "etag": etag,
                        "match_condition": MatchConditions.IfNotModified,
                    },
                )
            )
        for write in writes:
            wpk, rk = _ticket_rk(write.ticket_id)
            if wpk != pk:
                raise ValueError(f"ticket {write.ticket_id} is not in partition {pk}")
            ticket = {"PartitionKey": pk, "RowKey": rk, "ticketId": write.ticket_id, **write.fields}
            ops.append(("create", ticket) if write.create else ("update", ticket, {"mode": UpdateMode.MERGE}))
            owners.append(write.ticket_id)
            if write.event is not None:
                ops.append(("upsert", _event_entity(pk, write.event), {"mode": UpdateMode.REPLACE}))
                owners.append("")
            if write.opens_survey:
                ops.append(
                    ("upsert", {"PartitionKey": pk, "RowKey": _survey_slot(rk)}, {"mode": UpdateMode.REPLACE})
                )
                owners.append("")
        if len(ops) > 100:
            raise ValueError(f"a transaction holds at most 100 operations, got {len(ops)}")
        try:
            results = self.table.submit_transaction(ops)  # type: ignore[arg-type]
        except TableTransactionError as exc:
            with self._cache_lock:
                self._known.pop((state.unit_id, state.day), None)
            index = exc.index if 0 <= exc.index < len(owners) else 0
            code = str(getattr(exc, "error_code", "") or "")
            if index > 0 and owners[index] and ("AlreadyExists" in code or exc.status_code == 409):
                raise DuplicateTicketError(owners[index]) from exc
            if exc.status_code in (409, 412) or "UpdateConditionNotSatisfied" in code:
                raise ConcurrentUpdateError() from exc
            raise
        etag = results[0].get("etag") if results else None
        with self._cache_lock:
            self._cache[(state.unit_id, state.day)] = (time.monotonic(), state)
            if etag:
                self._known[(state.unit_id, state.day)] = (str(etag), entity)
            else:
                self._known.pop((state.unit_id, state.day), None)

    # --- tickets -----------------------------------------------------------------------------

    def get_ticket(self, ticket_id: str) -> dict[str, Any] | None:
        pk, rk = _ticket_rk(ticket_id)
        try:
            return _plain(self.table.get_entity(pk, rk))
        except ResourceNotFoundError:
            return None

    def list_tickets(self, unit_id: str, day: str) -> list[dict[str, Any]]:
        query = "PartitionKey eq @pk and RowKey ge 't.' and RowKey lt 't/'"
        return [_plain(e) for e in self.table.query_entities(query, parameters={"pk": f"{unit_id}.{day}"})]

    def list_events(self, unit_id: str, day: str, after_rk: str = "e.") -> list[dict[str, Any]]:
        query = "PartitionKey eq @pk and RowKey gt @after and RowKey lt 'e/'"
        return [
            dict(e)
            for e in self.table.query_entities(
                query, parameters={"pk": f"{unit_id}.{day}", "after": after_rk}
            )
        ]

    def merge_ticket(self, ticket_id: str, fields: Mapping[str, Any]) -> None:
        pk, rk = _ticket_rk(ticket_id)
        self.table.update_entity({"PartitionKey": pk, "RowKey": rk, **fields}, mode=UpdateMode.MERGE)

    def get_contacts(self, ticket_id: str) -> dict[str, str]:
        pk, rk = _ticket_rk(ticket_id)
        try:
            entity = self.table.get_entity(pk, f"c.{rk[2:]}")
        except ResourceNotFoundError:
            return {}
        found = json.loads(str(entity.get("contacts") or "{}"))
        return {str(k): str(v) for k, v in found.items()}

    def put_contacts(self, ticket_id: str, contacts: Mapping[str, str]) -> None:
        pk, rk = _ticket_rk(ticket_id)
        entity = {"PartitionKey": pk, "RowKey": f"c.{rk[2:]}", "ticketId": ticket_id}
        self.table.upsert_entity({**entity, "contacts": json.dumps(dict(contacts))}, mode=UpdateMode.REPLACE)

    def add_survey(
        self, ticket_id: str, fields: Mapping[str, Any], ticket_fields: Mapping[str, Any] | None = None
    ) -> None:
        """The survey and the ticket's fields in one entity-group transaction (one request)."""
        pk, rk = _ticket_rk(ticket_id)
        survey = {"PartitionKey": pk, "RowKey": f"s.{rk[2:]}", "ticketId": ticket_id, **fields}
        ops: list[tuple[Any, ...]] = [("create", survey)]
        if ticket_fields:
            ticket = {"PartitionKey": pk, "RowKey": rk, **ticket_fields}
            ops.append(("update", ticket, {"mode": UpdateMode.MERGE}))
        try:
            self.table.submit_transaction(ops)  # type: ignore[arg-type]
        except TableTransactionError as exc:
            code = str(getattr(exc, "error_code", "") or "")
            if exc.index == 0 and ("AlreadyExists" in code or exc.status_code == 409):
                raise ConflictError("A pesquisa desta senha já foi respondida. Obrigado!") from None
            raise

    def answer_survey(
        self, ticket_id: str, fields: Mapping[str, Any], ticket_fields: Mapping[str, Any]
    ) -> bool:
        """One entity-group transaction: delete the open slot (must exist), create the survey, mark the
        ticket. A missing slot fails the whole transaction at its first operation: nothing is written."""
        pk, rk = _ticket_rk(ticket_id)
        ops: list[tuple[Any, ...]] = [
            ("delete", {"PartitionKey": pk, "RowKey": _survey_slot(rk)}),
            ("create", {"PartitionKey": pk, "RowKey": f"s.{rk[2:]}", "ticketId": ticket_id, **fields}),
            ("update", {"PartitionKey": pk, "RowKey": rk, **ticket_fields}, {"mode": UpdateMode.MERGE}),
        ]
        try:
            self.table.submit_transaction(ops)  # type: ignore[arg-type]
        except TableTransactionError as exc:
            if exc.index == 0 and exc.status_code == 404:
                return False
            raise
        return True

    # --- presence heartbeats (domain/presence.py) --------------------------------------------

    def write_heartbeat(self, unit_id: str, day: str, worker: str, seen: Mapping[str, int]) -> None:
        entity: dict[str, Any] = {"PartitionKey": f"{unit_id}.{day}", "RowKey": f"h.{worker}"}
        put_long_text(entity, "seen", ";".join(f"{k}:{v}" for k, v in seen.items()))
        self.table.upsert_entity(entity, mode=UpdateMode.REPLACE)

    def read_heartbeats(self, unit_id: str, day: str) -> list[dict[str, int]]:
        query = "PartitionKey eq @pk and RowKey ge 'h.' and RowKey lt 'h/'"
        beats = []
        for entity in self.table.query_entities(query, parameters={"pk": f"{unit_id}.{day}"}):
            pairs = (item.rpartition(":") for item in get_long_text(entity, "seen").split(";") if item)
            beats.append({key: int(at) for key, _, at in pairs})
        return beats

    # --- side-effect markers ---------------------------------------------------------------

    def claim_once(self, unit_id: str, day: str, key: str, now_ms: int, stale_after_ms: int) -> str:
        """One insert when nobody claimed `key`; an insert and a read when someone did (and a
        conditional replace to take over a stale claim). Rows without `state` are done."""
        pk, rk = f"{unit_id}.{day}", f"n.{key}"
        claim = {"PartitionKey": pk, "RowKey": rk, "state": "claimed", "claimedAt": str(now_ms)}
        for _ in range(3):
            try:
                self.table.create_entity(claim)
                return "claimed"
            except ResourceExistsError:
                pass
            try:
                found = self.table.get_entity(pk, rk)
            except ResourceNotFoundError:
                continue  # released in between: claim again
            if found.get("state", "done") == "done":
                return "done"
            if now_ms - int(found.get("claimedAt", 0)) < stale_after_ms:
                return "busy"
            try:
                self.table.update_entity(
                    claim,
                    mode=UpdateMode.REPLACE,
                    etag=found.metadata["etag"],
                    match_condition=MatchConditions.IfNotModified,
                )
                return "claimed"
            except HttpResponseError as exc:
                if exc.status_code != 412:
                    raise
                return "busy"  # another worker took it over first
        return "busy"

    def settle_once(self, unit_id: str, day: str, key: str, done: bool) -> None:
        pk, rk = f"{unit_id}.{day}", f"n.{key}"
        if done:
            self.table.upsert_entity(
                {"PartitionKey": pk, "RowKey": rk, "state": "done"}, mode=UpdateMode.REPLACE
            )
        else:
            with contextlib.suppress(ResourceNotFoundError):
                self.table.delete_entity(pk, rk)
