"""Closed days (holidays, each with its name) and ad-hoc closures of a unit (the rules of
domain/calendar.py; see its conventions)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from domain.errors import InvalidInputError
from domain.hours import aware

YearlyHolidays = Callable[[int], Mapping[date, str]]
"""A source of closed days asked one year at a time: year -> {date in that year: name in pt-BR}."""


def _join_names(names: Iterable[str]) -> str:
    unique: list[str] = []
    for name in names:
        if name and name not in unique:
            unique.append(name)
    return "; ".join(unique)


class HolidayCalendar:
    """Closed days of a unit, each with the name told to the citizen ("Carnaval", "Recesso forense").

    Built from fixed dates and from per-year sources (`YearlyHolidays`), asked lazily one year at a
    time and remembered. When several sources name the same day, the names are joined with "; "
    (as the `holidays` package does), in source order (fixed dates first).
    """

    __slots__ = ("_by_year", "_dates", "_sources")

    def __init__(
        self, sources: Iterable[YearlyHolidays] = (), dates: Mapping[date, str] | None = None
    ) -> None:
        self._sources = tuple(sources)
        self._dates = dict(dates or {})
        self._by_year: dict[int, dict[date, str]] = {}

    def in_year(self, year: int) -> Mapping[date, str]:
        """Every closed day of `year` with its name."""
        table = self._by_year.get(year)
        if table is None:
            names: dict[date, list[str]] = {}
            for day, name in self._dates.items():
                if day.year == year:
                    names.setdefault(day, []).append(name)
            for source in self._sources:
                for day, name in source(year).items():
                    if day.year == year:
                        names.setdefault(day, []).append(name)
            table = {day: _join_names(day_names) or "Feriado" for day, day_names in sorted(names.items())}
            self._by_year[year] = table
        return table

    def name_on(self, day: date) -> str | None:
        """The holiday's name if `day` is a closed day, else None."""
        return self.in_year(day.year).get(day)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.name_on(day) is not None


DEFAULT_CLOSURE_MESSAGE = "Atendimento suspenso temporariamente."


@dataclass(frozen=True)
class Closure:
    """An ad-hoc closure: from `start` (inclusive) to `end` (exclusive), told with `message` (pt-BR)."""

    start: datetime
    end: datetime
    message: str = DEFAULT_CLOSURE_MESSAGE

    def __post_init__(self) -> None:
        aware(self.start, "Closure.start")
        aware(self.end, "Closure.end")
        if self.end.astimezone(UTC) <= self.start.astimezone(UTC):
            raise InvalidInputError(
                "Fechamento inválido: o fim deve ser posterior ao início.",
                fields={"closures": "fim antes do início"},
            )
        object.__setattr__(self, "message", (self.message or "").strip() or DEFAULT_CLOSURE_MESSAGE)

    def covers(self, t: datetime) -> bool:
        u = aware(t, "t").astimezone(UTC)
        return self.start.astimezone(UTC) <= u < self.end.astimezone(UTC)

    @classmethod
    def from_config(cls, item: object, zone: ZoneInfo, *, field_name: str = "closures") -> Closure:
        """Parse ``{"start": iso, "end": iso, "message": "..."}``; an ISO time without offset is read
        in the unit's zone."""
        if not isinstance(item, Mapping):
            raise InvalidInputError(
                "Cada fechamento deve ter início (start), fim (end) e mensagem (message).",
                fields={field_name: "formato inválido"},
            )
        start = _parse_instant(item.get("start"), zone, f"{field_name}.start")
        end = _parse_instant(item.get("end"), zone, f"{field_name}.end")
        message = item.get("message")
        if message is not None and not isinstance(message, str):
            raise InvalidInputError(
                "A mensagem do fechamento deve ser um texto.", fields={field_name: "mensagem"}
            )
        if end.astimezone(UTC) <= start.astimezone(UTC):
            raise InvalidInputError(
                f"Fechamento inválido: o fim ({item.get('end')}) deve ser posterior ao início "
                f"({item.get('start')}).",
                fields={field_name: "fim antes do início"},
            )
        return cls(start, end, message or DEFAULT_CLOSURE_MESSAGE)


def _parse_instant(raw: object, zone: ZoneInfo, field_name: str) -> datetime:
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, str):
        try:
            value = datetime.fromisoformat(raw.strip())
        except ValueError as exc:
            raise InvalidInputError(
                f"Data e hora inválidas: '{raw}'. Use ISO 8601, por exemplo 2026-12-01T08:00-03:00.",
                fields={field_name: "data e hora inválidas"},
            ) from exc
    else:
        raise InvalidInputError(
            "Informe a data e hora no formato ISO 8601, por exemplo 2026-12-01T08:00-03:00.",
            fields={field_name: "obrigatório"},
        )
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=zone)
    return value


def parse_closures(items: object, zone: ZoneInfo, *, field_name: str = "closures") -> tuple[Closure, ...]:
    """Parse a list of closure dicts (see `Closure.from_config`)."""
    if items is None:
        return ()
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise InvalidInputError(
            "Os fechamentos devem ser uma lista.", fields={field_name: "formato inválido"}
        )
    return tuple(
        Closure.from_config(item, zone, field_name=f"{field_name}[{i}]") for i, item in enumerate(items)
    )
