"""A unit's configuration, read-only, for the Serventias tab (its clerks, the court's managers,
administrators: functions/authz.py).

The configuration is code (`CONFIG_FILE`, applied with `azd provision`): nothing here changes it, and
the answer says where it lives. It carries the staff of the unit (names and e-mails of public servants,
already visible to colleagues in the console) and no secret: for the Teams channel only whether a
webhook is configured, never its URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.config import Configuration, UnitConfig
from domain.usecases.context import Context
from domain.usecases.views import view_of

CONFIG_FILE = "infra/config/balcao.json"


@dataclass(frozen=True)
class StaffOfUnit:
    name: str
    email: str
    role: str  # clerk | court_manager | interpreter


@dataclass(frozen=True)
class UnitSettings:
    id: str
    name: str
    section: str
    category: str
    timezone: str
    active: bool
    hours: dict[str, Any]
    limits: dict[str, Any]
    ordering: dict[str, Any]
    court: dict[str, str]  # id, name
    meeting: dict[str, str]  # provider
    teams_channel: bool  # whether the unit's Teams webhook is configured (never its URL)
    scheduling: dict[str, Any]
    async_channel: dict[str, Any]
    staff: list[StaffOfUnit]
    config_file: str


def _staff(config: Configuration, unit: UnitConfig) -> list[StaffOfUnit]:
    found = []
    for member in config.staff:
        for role in member.roles:
            mine = (role.role == "clerk" and unit.id in role.units) or (
                role.role in ("court_manager", "interpreter") and role.court in (unit.court, None)
            )
            if mine:
                found.append(StaffOfUnit(member.name, member.email, role.role))
    return sorted(found, key=lambda s: (s.role != "clerk", s.name))


def unit_settings(ctx: Context, unit_id: str) -> UnitSettings:
    unit = ctx.unit(unit_id)
    config = ctx.config()
    court = config.court(unit.court)
    data = unit.model_dump(mode="json", by_alias=True, include={"hours", "limits", "ordering"})
    return view_of(
        UnitSettings,
        unit,
        hours=data["hours"],
        limits=data["limits"],
        ordering=data["ordering"],
        court={"id": unit.court, "name": court.name if court else ""},
        meeting={"provider": unit.meeting.provider},
        teams_channel=bool(ctx.webhook_url_for(unit)),
        scheduling=unit.scheduling.model_dump(mode="json", by_alias=True),
        async_channel=unit.async_channel.model_dump(mode="json", by_alias=True),
        staff=_staff(config, unit),
        config_file=CONFIG_FILE,
    )
