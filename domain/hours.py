"""A unit's week: time zones, times of day, the weekly opening intervals, and their pt-BR texts (the
rules of domain/calendar.py; see its conventions).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import InvalidInputError

MINUTES_PER_DAY = 24 * 60

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Configuration keys of the weekdays, Monday first (Python's `date.weekday()` order)."""

_DAY_ALIASES: dict[str, int] = (
    {key: i for i, key in enumerate(DAY_KEYS)}
    | {key: i for i, key in enumerate(("seg", "ter", "qua", "qui", "sex", "sab", "dom"))}
    | {"sáb": 5}
)

_SHORT_DAY_NAMES = ("segunda", "terça", "quarta", "quinta", "sexta", "sábado", "domingo")
WEEKDAY_NAMES = tuple(f"{name}-feira" if i < 5 else name for i, name in enumerate(_SHORT_DAY_NAMES))
"""Full pt-BR weekday names, Monday first: "segunda-feira" ... "domingo"."""

# How a citizen calls the time of a Brazilian zone; other zones fall back to their city's name.
_ZONE_LABELS = {
    "America/Sao_Paulo": "Brasília",
    "America/Noronha": "Fernando de Noronha",
    "America/Rio_Branco": "Rio Branco",
    "America/Eirunepe": "Eirunepé",
    "America/Manaus": "Manaus",
    "America/Porto_Velho": "Porto Velho",
    "America/Boa_Vista": "Boa Vista",
    "America/Cuiaba": "Cuiabá",
    "America/Campo_Grande": "Campo Grande",
    "America/Belem": "Belém",
    "America/Santarem": "Santarém",
    "America/Araguaina": "Araguaína",
    "America/Fortaleza": "Fortaleza",
    "America/Recife": "Recife",
    "America/Maceio": "Maceió",
    "America/Bahia": "Salvador",
    "Brazil/East": "Brasília",
    "Brazil/West": "Manaus",
    "Brazil/Acre": "Rio Branco",
    "Brazil/DeNoronha": "Fernando de Noronha",
}

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_timezone(key: object) -> ZoneInfo:
    """The IANA zone named `key` ("America/Rio_Branco"), or `InvalidInputError` in pt-BR."""
    if not isinstance(key, str) or not key.strip():
        raise InvalidInputError(
            "Informe o fuso horário da unidade (nome IANA, por exemplo America/Sao_Paulo).",
            fields={"timezone": "obrigatório"},
        )
    try:
        return ZoneInfo(key.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInputError(
            f"Fuso horário desconhecido: '{key}'. Use um nome IANA, por exemplo America/Sao_Paulo.",
            fields={"timezone": "desconhecido"},
        ) from exc


def zone_label(zone: ZoneInfo) -> str:
    """The place that names a zone's time in pt-BR: "Brasília", "Rio Branco", "Fernando de Noronha"."""
    key = zone.key
    if key in _ZONE_LABELS:
        return _ZONE_LABELS[key]
    return key.rsplit("/", 1)[-1].replace("_", " ")


def parse_time_of_day(text: object, *, field_name: str = "hours", allow_end_of_day: bool = False) -> int:
    """Minutes since midnight of "HH:MM" (00:00–23:59; "24:00" too when `allow_end_of_day`)."""
    match = _TIME_RE.match(text.strip()) if isinstance(text, str) else None
    if match is not None:
        hours, minutes = int(match.group(1)), int(match.group(2))
        value = hours * 60 + minutes
        if minutes < 60 and (value < MINUTES_PER_DAY or (allow_end_of_day and value == MINUTES_PER_DAY)):
            return value
    limit = "24:00" if allow_end_of_day else "23:59"
    raise InvalidInputError(
        f"Horário inválido: '{text}'. Use o formato HH:MM, de 00:00 a {limit}.",
        fields={field_name: "horário inválido"},
    )


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, order=True)
class TimeRange:
    """One opening interval of a weekday, in minutes since local midnight: [start, end), end ≤ 1440."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start < MINUTES_PER_DAY and 0 < self.end <= MINUTES_PER_DAY):
            raise InvalidInputError(f"Intervalo fora do dia: {self}.", fields={"hours": "intervalo inválido"})
        if self.end <= self.start:
            raise InvalidInputError(
                f"Intervalo inválido: o fim ({_clock(self.end)}) deve ser posterior ao início "
                f"({_clock(self.start)}).",
                fields={"hours": "fim antes do início"},
            )

    @classmethod
    def parse(cls, start: str, end: str) -> TimeRange:
        return cls(parse_time_of_day(start), parse_time_of_day(end, allow_end_of_day=True))

    def __str__(self) -> str:
        return f"{_clock(self.start)}–{_clock(self.end)}"


@dataclass(frozen=True)
class WeeklyHours:
    """Opening intervals for each weekday (index 0 is Monday), sorted and not overlapping."""

    days: tuple[tuple[TimeRange, ...], ...] = ((),) * 7

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise InvalidInputError("O horário semanal deve ter os sete dias da semana.")
        normalized = tuple(tuple(sorted(ranges)) for ranges in self.days)
        for weekday, ranges in enumerate(normalized):
            for before, after in pairwise(ranges):
                if after.start < before.end:
                    raise InvalidInputError(
                        f"Intervalos sobrepostos em {WEEKDAY_NAMES[weekday]}: {before} e {after}.",
                        fields={f"hours.{DAY_KEYS[weekday]}": "intervalos sobrepostos"},
                    )
        object.__setattr__(self, "days", normalized)

    def on(self, weekday: int) -> tuple[TimeRange, ...]:
        """The intervals of a weekday (0 = Monday)."""
        return self.days[weekday]

    @property
    def is_empty(self) -> bool:
        return not any(self.days)

    @classmethod
    def from_config(cls, config: object) -> WeeklyHours:
        """Parse ``{"mon": [["08:00", "12:00"], ["13:00", "18:00"]], ..., "sat": []}``.

        Keys are mon..sun (pt-BR seg..dom are accepted too); a missing day is closed. An interval is
        a pair ``["HH:MM", "HH:MM"]`` or ``{"start": ..., "end": ...}``; the end may be "24:00".
        Errors raise `InvalidInputError` with a pt-BR message naming the day.
        """
        if config is None:
            return cls()
        if not isinstance(config, Mapping):
            raise InvalidInputError(
                "O horário de atendimento deve associar dias da semana a listas de intervalos.",
                fields={"hours": "formato inválido"},
            )
        days: list[list[TimeRange]] = [[] for _ in range(7)]
        seen: dict[int, str] = {}
        for raw_key, raw_ranges in config.items():
            key = str(raw_key).strip().lower()
            if key not in _DAY_ALIASES:
                raise InvalidInputError(
                    f"Dia da semana desconhecido: '{raw_key}'. Use mon, tue, wed, thu, fri, sat ou sun.",
                    fields={f"hours.{raw_key}": "dia desconhecido"},
                )
            weekday = _DAY_ALIASES[key]
            if weekday in seen:
                raise InvalidInputError(
                    f"{WEEKDAY_NAMES[weekday].capitalize()} aparece duas vezes no horário "
                    f"('{seen[weekday]}' e '{raw_key}').",
                    fields={f"hours.{raw_key}": "dia repetido"},
                )
            seen[weekday] = str(raw_key)
            days[weekday] = _parse_day_ranges(raw_ranges, weekday, f"hours.{raw_key}")
        return cls(tuple(tuple(ranges) for ranges in days))


def _parse_day_ranges(raw: object, weekday: int, field_name: str) -> list[TimeRange]:
    day = WEEKDAY_NAMES[weekday]
    if raw is None:
        return []
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        raise InvalidInputError(
            f'O horário de {day} deve ser uma lista de intervalos, por exemplo [["08:00", "12:00"]].',
            fields={field_name: "formato inválido"},
        )
    ranges: list[TimeRange] = []
    for item in raw:
        if isinstance(item, Mapping):
            pair: tuple[object, object] = (item.get("start"), item.get("end"))
        elif isinstance(item, Sequence) and not isinstance(item, str | bytes) and len(item) == 2:
            pair = (item[0], item[1])
        else:
            raise InvalidInputError(
                f'Intervalo inválido em {day}: \'{item}\'. Use um par ["HH:MM", "HH:MM"].',
                fields={field_name: "intervalo inválido"},
            )
        start = parse_time_of_day(pair[0], field_name=field_name)
        end = parse_time_of_day(pair[1], field_name=field_name, allow_end_of_day=True)
        if end <= start:
            raise InvalidInputError(
                f"Intervalo inválido em {day}: o fim ({_clock(end)}) deve ser posterior ao início "
                f"({_clock(start)}).",
                fields={field_name: "fim antes do início"},
            )
        ranges.append(TimeRange(start, end))
    ranges.sort()
    for before, after in pairwise(ranges):
        if after.start < before.end:
            raise InvalidInputError(
                f"Intervalos sobrepostos em {day}: {before} e {after}.",
                fields={field_name: "intervalos sobrepostos"},
            )
    return ranges


def aware(t: datetime, what: str) -> datetime:
    """`t`, or ValueError when it has no time zone: the calendar never guesses one."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime: the calendar never guesses a time zone")
    return t


# --------------------------------------------------------------------------------------------------
# pt-BR text


def _hour_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours}h" if rest == 0 else f"{hours}h{rest:02d}"


def _singular_hour(minutes: int) -> bool:
    """ "da 1h", "à 0h30": one o'clock and midnight take the singular article in pt-BR."""
    return minutes // 60 in (0, 1)


def _ranges_text(ranges: Sequence[TimeRange]) -> str:
    if len(ranges) == 1 and ranges[0].start == 0 and ranges[0].end == MINUTES_PER_DAY:
        return "24 horas"
    parts = [
        f"{'da' if _singular_hour(r.start) else 'das'} {_hour_text(r.start)} "
        f"{'à' if _singular_hour(r.end) and r.end != MINUTES_PER_DAY else 'às'} {_hour_text(r.end)}"
        for r in ranges
    ]
    return _join_pt(parts)


def _join_pt(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " e " + items[-1]


def _days_text(weekdays: Sequence[int]) -> str:
    runs: list[list[int]] = []
    for weekday in sorted(weekdays):
        if runs and runs[-1][-1] == weekday - 1:
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    items: list[str] = []
    for run in runs:
        if len(run) >= 3:
            items.append(f"{_SHORT_DAY_NAMES[run[0]]} a {_SHORT_DAY_NAMES[run[-1]]}")
        else:
            items.extend(_SHORT_DAY_NAMES[d] for d in run)
    return _join_pt(items)


def describe_weekly_hours(hours: WeeklyHours) -> str:
    """pt-BR text of weekly hours, days with equal hours grouped:
    "Segunda a sexta, das 9h às 12h e das 13h às 18h; sábado, das 8h às 12h"."""
    groups: dict[tuple[TimeRange, ...], list[int]] = {}
    for weekday, ranges in enumerate(hours.days):
        if ranges:
            groups.setdefault(ranges, []).append(weekday)
    if not groups:
        return "Sem horário de atendimento definido"
    text = "; ".join(f"{_days_text(days)}, {_ranges_text(ranges)}" for ranges, days in groups.items())
    return text[0].upper() + text[1:]


def format_local_instant(t: datetime, zone: ZoneInfo, label: str | None = None) -> str:
    """ "segunda-feira, 30/11/2026, às 08h00 (horário de Rio Branco)": `t` read in `zone`."""
    local = aware(t, "t").astimezone(zone)
    article = "à" if local.hour in (0, 1) else "às"
    return (
        f"{WEEKDAY_NAMES[local.weekday()]}, {local.day:02d}/{local.month:02d}/{local.year:04d}, "
        f"{article} {local.hour:02d}h{local.minute:02d} (horário de {label or zone_label(zone)})"
    )
