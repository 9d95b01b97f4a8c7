"""The public directory of units (Res. 372 art. 5: each unit's counter published with its hours), and
what a signed-in staff member may open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.auth import Principal
from domain.config import Configuration, Option, UnitConfig
from domain.places import matches, search_text
from domain.privacy import PrivacyNotice, notice_of
from domain.queue import WaitRange, estimate_wait
from domain.usecases.citizen_notices import offered_channels
from domain.usecases.citizen_view import UnitRef
from domain.usecases.context import Context
from domain.usecases.unit_day import service_day
from domain.usecases.views import view_of


@dataclass(frozen=True)
class UnitSummary:
    id: str
    name: str
    court: UnitRef
    court_code: str  # "J.TR" of the court's process numbers ("" when not configured)
    section: str
    category: str
    instance: str
    state: str
    municipality: str
    active: bool
    open_now: bool
    next_opening: datetime | None  # in the unit's zone
    timezone: str
    hours_text: str
    people_waiting: int
    clerks_online: int
    estimated_wait: WaitRange
    reasons: tuple[Option, ...]
    service_categories: tuple[Option, ...]
    alternatives: tuple[str, ...]
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    privacy: PrivacyNotice | None  # the legal basis, the controller and its encarregado (LGPD)
    notice_channels: tuple[str, ...]  # how a citizen may ask to be told off the page (issue 13)
    push_public_key: str | None  # the VAPID key the page subscribes with, when push is offered


def unit_summary(ctx: Context, unit: UnitConfig, now: datetime) -> UnitSummary:
    calendar = ctx.calendars(unit)
    open_now = unit.active and (ctx.always_open or calendar.is_open(now))
    opening = None if open_now or not unit.active else calendar.next_opening(now)
    state = ctx.store.peek(unit.id, service_day(unit, now), max_age_s=5.0)
    waiting = state.waiting_count() if unit.active else 0
    eta = estimate_wait(waiting, state, unit.limits.default_service_min * 60)
    court = ctx.config().court(unit.court)
    channels = offered_channels(ctx, unit)
    return view_of(
        UnitSummary,
        unit,
        court=UnitRef(unit.court, court.name if court else ""),
        court_code=court.cnj if court else "",
        open_now=open_now and not state.closed,
        next_opening=opening.astimezone(ZoneInfo(unit.timezone)) if opening else None,
        hours_text=calendar.hours_text(),
        people_waiting=waiting,
        clerks_online=state.clerks_online(),
        estimated_wait=WaitRange(eta.min_minutes, eta.max_minutes),
        reasons=tuple(unit.reasons),
        service_categories=tuple(unit.service_categories),
        alternatives=tuple(unit.alternatives),
        phones=tuple(unit.phones),
        emails=tuple(unit.emails),
        privacy=notice_of(court) if court else None,
        notice_channels=channels,
        push_public_key=ctx.push_public_key if "push" in channels and ctx.push_public_key else None,
    )


def list_units(
    ctx: Context, now: datetime, court: str = "", section: str = "", q: str = ""
) -> list[UnitSummary]:
    """The units of a court and section whose search text (name, section, category, city, state by code or
    name, court by id or name) holds every word of `q`, accents and case aside."""
    config = ctx.config()
    out = []
    for unit in config.units:
        if court and unit.court != court:
            continue
        if section and unit.section.lower() != section.lower():
            continue
        if q.strip() and not matches(q, unit_search_text(config, unit)):
            continue
        out.append(unit_summary(ctx, unit, now))
    return out


def unit_search_text(config: Configuration, unit: UnitConfig) -> str:
    """The folded text a search for a unit looks in: name, section, category, city, court by id or name,
    state by code or name (the directory's `q`, the conversation's typed unit)."""
    owner = config.court(unit.court)
    where = (
        unit.name,
        unit.section,
        unit.category,
        unit.municipality,
        unit.court,
        owner.name if owner else "",
    )
    return search_text(*where, state=unit.state)


def get_unit(ctx: Context, unit_id: str, now: datetime) -> UnitSummary:
    return unit_summary(ctx, ctx.unit(unit_id), now)


@dataclass(frozen=True)
class ServedUnit(UnitRef):
    """A unit the signed-in clerk serves, with the choices its console offers."""

    section: str
    court: str
    """The court's id (the directory's `UnitSummary` carries its name too)."""
    timezone: str
    reasons: tuple[Option, ...]
    service_categories: tuple[Option, ...]


@dataclass(frozen=True)
class StaffHome:
    """Who is signed in, the units they serve, where they may transfer to, what else they may read."""

    email: str
    name: str
    units: tuple[ServedUnit, ...]
    transfer_targets: tuple[UnitRef, ...]
    admin: bool
    manager_of: tuple[str, ...]


def staff_home(ctx: Context, who: Principal) -> StaffHome:
    config = ctx.config()
    return StaffHome(
        who.email,
        who.name,
        tuple(view_of(ServedUnit, u) for u in config.units if who.can_serve(u.id)),
        tuple(UnitRef.of(u) for u in config.units if u.active),
        who.admin,
        tuple(sorted(who.manager_courts)),
    )
