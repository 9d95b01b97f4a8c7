"""National and state holidays of Brazil, from the `holidays` package (python-holidays).

Implements `domain.court_calendar.RegionalHolidaySource`: one table per (state, year), named in pt-BR,
computed once and cached for the life of the process (the tables never change for a pinned package
version). Only the ``public`` category is used by default: Carnival, Ash Wednesday, Corpus Christi
and the other "pontos facultativos" the package lists as ``optional`` are for the court calendar or
the unit's configuration to decide (see `domain.court_calendar`).

Usage::

    calendar = build_unit_calendar(unit_config, court_config, PackageHolidaySource())
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import date
from types import MappingProxyType

import holidays

from domain.court_calendar import BRAZILIAN_STATES
from domain.errors import InvalidInputError

__all__ = ["PackageHolidaySource"]


class PackageHolidaySource:
    """Brazil's national holidays plus one state's, from `holidays.country_holidays("BR", ...)`."""

    def __init__(self, *, language: str = "pt_BR", categories: Sequence[str] = ("public",)) -> None:
        self._language = language
        self._categories = tuple(categories)
        self._cache: dict[tuple[str | None, int], Mapping[date, str]] = {}
        self._lock = threading.Lock()

    def regional_holidays(self, state: str | None, year: int) -> Mapping[date, str]:
        """{date: name in pt-BR} for `year`: national holidays, plus the state's when `state` (UF)
        is given. Raises `InvalidInputError` for an unknown state."""
        key = (state.upper() if state else None, year)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if key[0] is not None and key[0] not in BRAZILIAN_STATES:
            raise InvalidInputError(
                f"Estado (UF) desconhecido: '{state}'. Use a sigla, por exemplo AC, AM, DF ou SP.",
                fields={"state": "UF desconhecida"},
            )
        with self._lock:
            cached = self._cache.get(key)
            if cached is None:
                cached = self._load(key[0], year)
                self._cache[key] = cached
        return cached

    def _load(self, state: str | None, year: int) -> Mapping[date, str]:
        try:
            table = holidays.country_holidays(
                "BR", subdiv=state, years=year, language=self._language, categories=self._categories
            )
        except NotImplementedError as exc:  # the package's answer to an unknown subdivision
            raise InvalidInputError(
                f"Estado (UF) desconhecido: '{state}'.", fields={"state": "UF desconhecida"}
            ) from exc
        return MappingProxyType({day: str(name) for day, name in sorted(table.items()) if day.year == year})
