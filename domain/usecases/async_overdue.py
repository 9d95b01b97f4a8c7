"""Overdue asynchronous messages (the minute timer) and the channel's indicators.

The timer alerts the unit's Teams channel once per message that passed its deadline unanswered
(`async_overdue` card, no citizen data) and counts it on the day it became overdue, in the same
transaction as the mark. The indicators sum the daily counts (domain/messages.py).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.auth import Principal
from domain.config import Configuration, UnitConfig
from domain.errors import ForbiddenError, InvalidInputError, NotFoundError
from domain.messages import count, deadline_clock
from domain.ports import RowWrite
from domain.times import iso_utc
from domain.usecases.async_channel import OPEN
from domain.usecases.citizen_view import UnitRef
from domain.usecases.context import Context
from domain.usecases.notices import send_notice
from domain.usecases.unit_day import commit_records

MAX_DAYS = 366


def run_overdue(ctx: Context, now: datetime) -> int:
    """Returns how many messages became overdue in this pass (module docstring)."""
    total = 0
    for unit in ctx.config().units:
        if not (unit.active and unit.async_channel.enabled):
            continue
        zone = ZoneInfo(unit.timezone)
        calendar = ctx.calendars(unit)
        for row in ctx.messages.query(unit.id, "m.", "m.~", where={"status": OPEN, "overdueAlerted": False}):
            due = datetime.fromisoformat(str(row.fields["dueAt"]))
            if now < due:
                continue
            late = deadline_clock(calendar, unit.async_channel, due, now)
            send_notice(
                ctx,
                "async_overdue",
                unit.id,
                f"overdue.{row.key}",
                protocol=row.fields["protocol"],
                received_at_text=calendar.format_instant(
                    datetime.fromisoformat(str(row.fields["receivedAt"]))
                ),
                due_at_text=calendar.format_instant(due),
                overdue_text=late.text,
            )
            if mark_overdue(ctx, unit.id, row.key, f"{due.astimezone(zone):%Y%m%d}", now):
                total += 1
    return total


def mark_overdue(ctx: Context, unit_id: str, key: str, day: str, now: datetime) -> bool:
    marked = [False]
    records = ctx.messages

    def build() -> list[RowWrite]:
        row = records.get(unit_id, key)
        if row is None or row.fields.get("status") != OPEN or row.fields.get("overdueAlerted"):
            marked[0] = False
            return []
        marked[0] = True
        return [
            RowWrite(key, {"overdueAlerted": True, "overdueAt": iso_utc(now)}, "merge", row.etag),
            count(records, unit_id, day, overdue=1),
        ]

    commit_records(ctx, records, unit_id, build)
    return marked[0]


@dataclass(frozen=True)
class AsyncCounts:
    """Messages over a period: received, answered (on time or not), overdue; open and overdue now."""

    received: int
    answered: int
    answered_on_time: int
    overdue: int
    open_now: int
    overdue_now: int

    @staticmethod
    def total(parts: Sequence[AsyncCounts]) -> AsyncCounts:
        """Every count summed over `parts` (units)."""
        return AsyncCounts(*(sum(getattr(p, f.name) for p in parts) for f in dataclasses.fields(AsyncCounts)))


@dataclass(frozen=True)
class OfUnit:
    unit: UnitRef


@dataclass(frozen=True, kw_only=True)
class UnitCounts(AsyncCounts, OfUnit):
    """A unit's counts over the period that starts on `first` (the unit first, then the counts)."""

    first: date


@dataclass(frozen=True)
class AsyncIndicators:
    days: int
    to: date
    total: AsyncCounts
    units: list[UnitCounts]


def async_indicators(
    ctx: Context, units: tuple[UnitConfig, ...], now: datetime, days: int
) -> AsyncIndicators:
    """Counts of the last `days` local days (today included) for the given units (already filtered by
    what the caller may read), per unit and in total, plus what is open and overdue now."""
    if days < 1 or days > MAX_DAYS:
        raise InvalidInputError("Período inválido.", fields={"days": f"de 1 a {MAX_DAYS} dias"})
    per_unit = []
    for unit in units:
        if not unit.async_channel.enabled:
            continue
        today = now.astimezone(ZoneInfo(unit.timezone)).date()
        first = today - timedelta(days=days - 1)
        period: Counter[str] = Counter()  # the daily counts (`k.{day}` rows, messages.count) summed
        for day in ctx.messages.query(unit.id, f"k.{first:%Y%m%d}", f"k.{today:%Y%m%d}"):
            period.update({k: int(v) for k, v in day.fields.items() if isinstance(v, int)})
        open_rows = ctx.messages.query(unit.id, "m.", "m.~", where={"status": OPEN})
        per_unit.append(
            UnitCounts(
                UnitRef.of(unit),
                received=period["received"],
                answered=period["answered"],
                answered_on_time=period["answeredOnTime"],
                overdue=period["overdue"],
                open_now=len(open_rows),
                overdue_now=sum(
                    1 for r in open_rows if now >= datetime.fromisoformat(str(r.fields["dueAt"]))
                ),
                first=first,
            )
        )
    return AsyncIndicators(days, now.astimezone(UTC).date(), AsyncCounts.total(per_unit), per_unit)


def readable_units(config: Configuration, who: Principal, court: str, unit: str) -> tuple[UnitConfig, ...]:
    """The units whose indicators `who` may read (the same rule as the other indicators)."""
    if unit:
        found = config.unit(unit)
        if found is None:
            raise NotFoundError("Unidade não encontrada.")
        if not who.can_read_unit(found.id, found.court):
            raise ForbiddenError("Você não tem acesso aos indicadores desta unidade.")
        return (found,)
    units = tuple(
        u for u in config.units if (not court or u.court == court) and who.can_read_unit(u.id, u.court)
    )
    if not units:
        raise ForbiddenError("Você não tem acesso a estes indicadores.")
    return units
