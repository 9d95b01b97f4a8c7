"""In-memory `MetricsStore` over a `MemoryQueueStore` (where the event log and surveys are), with the
Table Storage adapter's rules: a unit-day and its court-day are saved together, each guarded by its
ETag (creating one that exists, or a stale ETag, raises `ConcurrentUpdateError` and writes nothing);
only the hours named in `save` are written; a sealed day keeps its total, not its tracks or hours."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from domain.errors import ConcurrentUpdateError
from domain.metric_events import CourtDay, DayRow, EventPage, HourRow, MetricEvent, UnitDay
from domain.ports import ETag, Hours
from domain.rollups import SURVEY, Rollup, Rollups
from tests.fakes.memory_store import MemoryQueueStore, new_etag

PAGE = 1000


@dataclass
class StoredDay:
    total: Rollup
    etag: str
    hours: dict[int, Rollup] = field(default_factory=dict)
    unit_day: UnitDay | None = None  # cursor, sample, tracks (unit-days only)


def iso_ms(text: str) -> int:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp() * 1000)


class MemoryMetricsStore:
    def __init__(self, queue: MemoryQueueStore) -> None:
        self.queue = queue
        self.units: dict[tuple[str, str, str], StoredDay] = {}
        self.courts: dict[tuple[str, str], StoredDay] = {}
        self.saves = 0
        self._lock = threading.Lock()

    def load_unit_day(self, court_id: str, unit_id: str, day: str) -> tuple[UnitDay, str | None]:
        with self._lock:
            found = self.units.get((court_id, unit_id, day))
            if found is None or found.unit_day is None:
                return UnitDay(unit_id, court_id, day), None
            unit_day = copy.deepcopy(found.unit_day)
            unit_day.rollups = Rollups(copy.deepcopy(found.total))
            if not unit_day.sealed:
                unit_day.rollups.hours = copy.deepcopy(found.hours)
            else:
                unit_day.tracks = {}
            return unit_day, found.etag

    def load_court_day(self, court_id: str, day: str) -> tuple[CourtDay, str | None]:
        with self._lock:
            found = self.courts.get((court_id, day))
            if found is None:
                return CourtDay(court_id, day), None
            return CourtDay(
                court_id, day, Rollups(copy.deepcopy(found.total), copy.deepcopy(found.hours))
            ), found.etag

    def read_events(self, unit_id: str, day: str, after_ms: int, *, with_state: bool) -> Iterator[EventPage]:
        part = self.queue.partition(unit_id, day)
        since = (after_ms // 1000 - 1) * 1000
        events: list[MetricEvent] = []
        for key, row in sorted(part.events.items()):
            if key >= f"e.{after_ms:013d}":
                _, ms, short, action = key.split(".", 3)
                data = json.loads(str(row.get("data") or "{}"))
                events.append(MetricEvent(short, action, int(ms), str(row["by"]), str(row["reason"]), data))
        for short, survey in sorted(part.surveys.items()):
            answered = str(survey.get("answeredAt") or "")
            if answered and iso_ms(answered) >= since:
                events.append(
                    MetricEvent(
                        short, SURVEY, iso_ms(answered), "citizen", "", {"score": int(survey["score"])}
                    )
                )
        pages = [events[i : i + PAGE] for i in range(0, len(events), PAGE)] or [[]]
        for i, page in enumerate(pages):
            last = i == len(pages) - 1
            if with_state and last and part.state is not None:
                yield EventPage(page, part.state.waiting_count(), part.state.clerks_online())
            else:
                yield EventPage(page)

    def save(
        self, unit_day: UnitDay, unit_etag: ETag, court_day: CourtDay, court_etag: ETag, hours: Hours
    ) -> None:
        ukey = (unit_day.court_id, unit_day.unit_id, unit_day.day)
        ckey = (court_day.court_id, court_day.day)
        with self._lock:
            stored_unit, stored_court = self.units.get(ukey), self.courts.get(ckey)
            if (stored_unit.etag if stored_unit else None) != unit_etag or (
                stored_court.etag if stored_court else None
            ) != court_etag:
                raise ConcurrentUpdateError()
            unit_hours = dict(stored_unit.hours) if stored_unit else {}
            court_hours = dict(stored_court.hours) if stored_court else {}
            for hour in hours:
                unit_hours[hour] = copy.deepcopy(unit_day.rollups.hours.get(hour, Rollup()))
                court_hours[hour] = copy.deepcopy(court_day.rollups.hours.get(hour, Rollup()))
            kept = copy.deepcopy(unit_day)
            if kept.sealed:
                kept.tracks = {}
            self.units[ukey] = StoredDay(copy.deepcopy(unit_day.rollups.total), new_etag(), unit_hours, kept)
            self.courts[ckey] = StoredDay(copy.deepcopy(court_day.rollups.total), new_etag(), court_hours)
            self.saves += 1

    def forget(self, court_id: str, unit_id: str, day: str) -> None:
        """Nothing is cached here: every load reads the stored days."""

    def unit_days(self, court_id: str, unit_id: str, first: str, last: str) -> list[DayRow]:
        with self._lock:
            return [
                DayRow(day, copy.deepcopy(s.total), s.unit_day.queue_now, s.unit_day.sampled_minute)
                for (c, u, day), s in sorted(self.units.items())
                if c == court_id and u == unit_id and first <= day <= last and s.unit_day is not None
            ]

    def court_days(self, court_id: str, first: str, last: str) -> list[DayRow]:
        with self._lock:
            return [
                DayRow(day, copy.deepcopy(s.total))
                for (c, day), s in sorted(self.courts.items())
                if c == court_id and first <= day <= last
            ]

    def unit_hours(self, court_id: str, unit_id: str, first: str, last: str) -> list[HourRow]:
        with self._lock:
            return [
                HourRow(day, hour, copy.deepcopy(r))
                for (c, u, day), s in sorted(self.units.items())
                if c == court_id and u == unit_id and first <= day <= last
                for hour, r in sorted(s.hours.items())
            ]

    def court_hours(self, court_id: str, first: str, last: str) -> list[HourRow]:
        with self._lock:
            return [
                HourRow(day, hour, copy.deepcopy(r))
                for (c, day), s in sorted(self.courts.items())
                if c == court_id and first <= day <= last
                for hour, r in sorted(s.hours.items())
            ]
