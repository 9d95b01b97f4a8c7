"""Table Storage for the metric rollups (table `metrics`), and the reader of the ticket event log.

Partition `c.{court}` of table `metrics` holds, for every unit of the court:

    ud.{unit}.{day}          unit-day rollup, read cursor, last sample, queue now, sealed
    ut.{unit}.{day}          the unit-day's tracks (exactly-once index); deleted when the day is sealed
    uh.{unit}.{day}.{hh}     unit-hour rollups (hours with something in them)
    cd.{day}                 court-day rollup (the sum of its units' days)
    ch.{day}.{hh}            court-hour rollups

A pass writes a unit-day, its tracks, its changed hours, the court-day and the court's changed hours in
one entity-group transaction (one partition), guarded by the ETags of the unit-day and the court-day:
counts and cursor move together or not at all. Rollups are JSON (`domain.rollups.Rollup.to_dict`),
split over `rollup0..N` when longer than one string property holds.

Costs (each is one billed storage transaction):
- reading a unit's rollups for up to 1,000 days: one query (`ud.{unit}.{first}` … `ud.{unit}.{last}`);
  a court's: one query on `cd.`; hours: one query per 1,000 hour rows;
- a pass over a unit-day: one query on the `tickets` partition `{unit}.{day}` returning the events
  after the cursor (pages of up to 1,000), the surveys answered since, and the `state` row (people
  waiting, clerks online); one transaction when something changed. What was read or written is kept
  in memory with its ETag, so only a cold start reads the rollups again (three reads; one when the
  unit-day has none yet). A stale copy fails its ETag, is forgotten and read again.

Survey answers are read from their `s.{short}` rows (answeredAt, score; never the comment) and become
`survey` events of the ticket's day.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient, TableTransactionError, UpdateMode

from adapters.storage import TableClients, guarded
from adapters.tables import TICKETS_TABLE, get_long_text, put_long_text, state_from_entity
from domain.errors import ConcurrentUpdateError
from domain.metric_events import (
    CourtDay,
    DayRow,
    EventPage,
    HourRow,
    MetricEvent,
    UnitDay,
    decode_tracks,
    encode_tracks,
)
from domain.ports import ETag, Hours
from domain.rollups import SURVEY, Rollup, Rollups

METRICS_TABLE = "metrics"
PAGE = 1000
_CACHE_LIMIT = 20_000


def _hour_rows(
    pk: str, prefix: str, rollups: Mapping[int, Rollup], day: str, hours: Collection[int]
) -> list[tuple[Any, ...]]:
    """Replace the rollups of the given hours (`<prefix>.<hh>`)."""
    return [
        (
            "upsert",
            _rollup_entity(pk, f"{prefix}.{hour:02d}", rollups.get(hour, Rollup()), day=day, hour=hour),
            {"mode": UpdateMode.REPLACE},
        )
        for hour in sorted(hours)
    ]


def _rollup_entity(pk: str, rk: str, rollup: Rollup, **extra: Any) -> dict[str, Any]:
    entity: dict[str, Any] = {"PartitionKey": pk, "RowKey": rk, **extra}
    put_long_text(entity, "rollup", json.dumps(rollup.to_dict(), separators=(",", ":")))
    return entity


def _rollup_of(entity: Mapping[str, Any]) -> Rollup:
    text = get_long_text(entity, "rollup")
    return Rollup.from_dict(json.loads(text)) if text else Rollup()


def _iso_ms(text: str) -> int:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def _since_iso(ms: int) -> str:
    """`answeredAt` is ISO text ("...:07Z" or "...:07.123456Z"): compare against the whole second
    before, so that a fraction never sorts below its own second."""
    second = datetime.fromtimestamp(max(0, ms // 1000 - 1), UTC)
    return second.isoformat().replace("+00:00", "Z")


def event_from_entity(entity: Mapping[str, Any]) -> MetricEvent | None:
    """An `e.{ms}.{short}.{action}` row or an `s.{short}` survey row as a MetricEvent."""
    rk = str(entity.get("RowKey", ""))
    try:
        if rk.startswith("e."):
            _, ms, short, action = rk.split(".", 3)
            raw = entity.get("data") or "{}"
            data = json.loads(raw) if isinstance(raw, str) else {}
            return MetricEvent(
                short,
                action,
                int(ms),
                str(entity.get("by") or ""),
                str(entity.get("reason") or ""),
                data if isinstance(data, dict) else {},
            )
        if rk.startswith("s.") and entity.get("answeredAt"):
            return MetricEvent(
                rk[2:],
                SURVEY,
                _iso_ms(str(entity["answeredAt"])),
                "citizen",
                "",
                {"score": int(entity.get("score") or 0)},
            )
    except (ValueError, TypeError):
        return None  # not ours to judge: a malformed row counts for nothing
    return None


class TableMetricsStore:
    """`domain.metrics.MetricsStore` over Azure Table Storage (or Azurite)."""

    def __init__(
        self, service: TableServiceClient, table: str = METRICS_TABLE, tickets_table: str = TICKETS_TABLE
    ) -> None:
        self._service = service
        self._names = (table, tickets_table)
        self._tables = TableClients(service)
        self._lock = threading.Lock()
        self._units: dict[tuple[str, str, str], tuple[UnitDay, str | None, bool]] = {}
        self._courts: dict[tuple[str, str], tuple[CourtDay, str | None]] = {}

    def _table(self, name: str) -> TableClient:
        return self._tables(name)

    @property
    def table(self) -> TableClient:
        return self._table(self._names[0])

    @property
    def tickets(self) -> TableClient:
        return self._table(self._names[1])

    # --- the pass --------------------------------------------------------------------------------

    def load_unit_day(self, court_id: str, unit_id: str, day: str) -> tuple[UnitDay, str | None]:
        key = (court_id, unit_id, day)
        with self._lock:
            cached = self._units.get(key)
        if cached is None:
            cached = self._read_unit_day(court_id, unit_id, day)
            with self._lock:
                if len(self._units) > _CACHE_LIMIT:
                    self._units.clear()
                self._units[key] = cached
        unit_day, etag, _ = cached
        return copy.deepcopy(unit_day), etag

    def _read_unit_day(self, court_id: str, unit_id: str, day: str) -> tuple[UnitDay, str | None, bool]:
        pk = f"c.{court_id}"
        try:
            entity = self.table.get_entity(pk, f"ud.{unit_id}.{day}")
        except ResourceNotFoundError:
            return UnitDay(unit_id, court_id, day), None, False
        unit_day = UnitDay(
            unit_id,
            court_id,
            day,
            Rollups(_rollup_of(entity)),
            cursor_ms=int(entity.get("cursorMs") or 0),
            sampled_minute=int(entity.get("sampledMinute") or 0),
            queue_now=int(entity.get("queueNow") or 0),
            sealed=bool(entity.get("sealed")),
        )
        tracks_stored = False
        if not unit_day.sealed:
            try:
                unit_day.tracks = decode_tracks(
                    get_long_text(self.table.get_entity(pk, f"ut.{unit_id}.{day}"), "tracks")
                )
                tracks_stored = True
            except ResourceNotFoundError:
                pass
            for row in self._range(pk, f"uh.{unit_id}.{day}.00", f"uh.{unit_id}.{day}.23"):
                unit_day.rollups.hours[int(str(row["RowKey"])[-2:])] = _rollup_of(row)
        return unit_day, entity.metadata["etag"], tracks_stored

    def load_court_day(self, court_id: str, day: str) -> tuple[CourtDay, str | None]:
        key = (court_id, day)
        with self._lock:
            cached = self._courts.get(key)
        if cached is None:
            cached = self._read_court_day(court_id, day)
            with self._lock:
                if len(self._courts) > _CACHE_LIMIT:
                    self._courts.clear()
                self._courts[key] = cached
        court_day, etag = cached
        return copy.deepcopy(court_day), etag

    def _read_court_day(self, court_id: str, day: str) -> tuple[CourtDay, str | None]:
        pk = f"c.{court_id}"
        try:
            entity = self.table.get_entity(pk, f"cd.{day}")
        except ResourceNotFoundError:
            return CourtDay(court_id, day), None
        court_day = CourtDay(court_id, day, Rollups(_rollup_of(entity)))
        for row in self._range(pk, f"ch.{day}.00", f"ch.{day}.23"):
            court_day.rollups.hours[int(str(row["RowKey"])[-2:])] = _rollup_of(row)
        return court_day, entity.metadata["etag"]

    def read_events(self, unit_id: str, day: str, after_ms: int, *, with_state: bool) -> Iterator[EventPage]:
        query = (
            "PartitionKey eq @pk and ((RowKey ge @after and RowKey lt 'e/') or "
            "(RowKey gt 's.' and RowKey lt 's/' and answeredAt ge @since )"
            + (" or RowKey eq 'state' )" if with_state else " )")
        )
        params = {"pk": f"{unit_id}.{day}", "after": f"e.{after_ms:013d}", "since": _since_iso(after_ms)}
        pages = self.tickets.query_entities(query, parameters=params, results_per_page=PAGE).by_page()
        for page in pages:
            events: list[MetricEvent] = []
            waiting: int | None = None
            clerks: int | None = None
            for entity in page:
                if entity.get("RowKey") == "state":
                    state = state_from_entity(unit_id, day, entity)
                    waiting, clerks = state.waiting_count(), state.clerks_online()
                    continue
                event = event_from_entity(entity)
                if event is not None:
                    events.append(event)
            yield EventPage(events, waiting, clerks)

    def save(
        self, unit_day: UnitDay, unit_etag: ETag, court_day: CourtDay, court_etag: ETag, hours: Hours
    ) -> None:
        court, unit, day = unit_day.court_id, unit_day.unit_id, unit_day.day
        pk = f"c.{court}"
        key = (court, unit, day)
        with self._lock:
            tracks_stored = self._units.get(key, (None, None, False))[2]
        meta = {
            "unit": unit,
            "day": day,
            "cursorMs": str(unit_day.cursor_ms),
            "sampledMinute": unit_day.sampled_minute,
            "queueNow": unit_day.queue_now,
            "sealed": unit_day.sealed,
        }
        ops: list[tuple[Any, ...]] = [
            guarded(_rollup_entity(pk, f"ud.{unit}.{day}", unit_day.rollups.total, **meta), unit_etag)
        ]
        if unit_day.sealed:
            if tracks_stored:
                ops.append(("delete", {"PartitionKey": pk, "RowKey": f"ut.{unit}.{day}"}))
        else:
            tracks: dict[str, Any] = {"PartitionKey": pk, "RowKey": f"ut.{unit}.{day}"}
            put_long_text(tracks, "tracks", encode_tracks(unit_day.tracks))
            ops.append(("upsert", tracks, {"mode": UpdateMode.REPLACE}))
        ops += _hour_rows(pk, f"uh.{unit}.{day}", unit_day.rollups.hours, day, hours)
        court_index = len(ops)
        ops.append(guarded(_rollup_entity(pk, f"cd.{day}", court_day.rollups.total, day=day), court_etag))
        ops += _hour_rows(pk, f"ch.{day}", court_day.rollups.hours, day, hours)
        try:
            result = self.table.submit_transaction(ops)  # type: ignore[arg-type]
        except TableTransactionError as exc:
            code = str(getattr(exc, "error_code", "") or "")
            if exc.status_code in (409, 412) or "UpdateConditionNotSatisfied" in code:
                raise ConcurrentUpdateError() from exc
            raise
        with self._lock:
            self._units[key] = (unit_day, result[0]["etag"], not unit_day.sealed)
            self._courts[(court, day)] = (court_day, result[court_index]["etag"])

    def put_history(self, unit_days: Iterable[UnitDay], court_days: Iterable[CourtDay]) -> int:
        """Bulk load of sealed days (benchmarks, back-fills): unconditional upserts, 100 per
        transaction and partition. Returns the number of transactions."""
        by_partition: dict[str, list[dict[str, Any]]] = {}
        for ud in unit_days:
            pk = f"c.{ud.court_id}"
            meta = {
                "unit": ud.unit_id,
                "day": ud.day,
                "cursorMs": str(ud.cursor_ms),
                "sealed": True,
                "sampledMinute": ud.sampled_minute,
                "queueNow": ud.queue_now,
            }
            rows = by_partition.setdefault(pk, [])
            rows.append(_rollup_entity(pk, f"ud.{ud.unit_id}.{ud.day}", ud.rollups.total, **meta))
            rows += [
                _rollup_entity(pk, f"uh.{ud.unit_id}.{ud.day}.{h:02d}", r, day=ud.day, hour=h)
                for h, r in sorted(ud.rollups.hours.items())
            ]
        for cd in court_days:
            pk = f"c.{cd.court_id}"
            rows = by_partition.setdefault(pk, [])
            rows.append(_rollup_entity(pk, f"cd.{cd.day}", cd.rollups.total, day=cd.day))
            rows += [
                _rollup_entity(pk, f"ch.{cd.day}.{h:02d}", r, day=cd.day, hour=h)
                for h, r in sorted(cd.rollups.hours.items())
            ]
        transactions = 0
        for rows in by_partition.values():
            for i in range(0, len(rows), 100):
                self.table.submit_transaction(
                    [("upsert", row, {"mode": UpdateMode.REPLACE}) for row in rows[i : i + 100]]
                )
                transactions += 1
        return transactions

    def forget(self, court_id: str, unit_id: str, day: str) -> None:
        with self._lock:
            self._units.pop((court_id, unit_id, day), None)
            self._courts.pop((court_id, day), None)

    # --- reports ---------------------------------------------------------------------------------

    def _range(self, pk: str, low: str, high: str) -> Iterator[Any]:
        query = "PartitionKey eq @pk and RowKey ge @low and RowKey le @high"
        return iter(
            self.table.query_entities(
                query, parameters={"pk": pk, "low": low, "high": high}, results_per_page=PAGE
            )
        )

    def unit_days(self, court_id: str, unit_id: str, first: str, last: str) -> list[DayRow]:
        return [
            DayRow(
                str(e["day"]), _rollup_of(e), int(e.get("queueNow") or 0), int(e.get("sampledMinute") or 0)
            )
            for e in self._range(f"c.{court_id}", f"ud.{unit_id}.{first}", f"ud.{unit_id}.{last}")
        ]

    def court_days(self, court_id: str, first: str, last: str) -> list[DayRow]:
        return [
            DayRow(str(e["day"]), _rollup_of(e))
            for e in self._range(f"c.{court_id}", f"cd.{first}", f"cd.{last}")
        ]

    def unit_hours(self, court_id: str, unit_id: str, first: str, last: str) -> list[HourRow]:
        return [
            HourRow(str(e["day"]), int(e["hour"]), _rollup_of(e))
            for e in self._range(f"c.{court_id}", f"uh.{unit_id}.{first}.00", f"uh.{unit_id}.{last}.23")
        ]

    def court_hours(self, court_id: str, first: str, last: str) -> list[HourRow]:
        return [
            HourRow(str(e["day"]), int(e["hour"]), _rollup_of(e))
            for e in self._range(f"c.{court_id}", f"ch.{first}.00", f"ch.{last}.23")
        ]
