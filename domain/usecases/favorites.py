"""A staff member's favourite units (★ in the Serventias tab and the dashboard), kept per person.

The store is keyed by the staff member's e-mail (as the identity gives it: lower-cased); each favourite
is one row (`FavoriteStore`). Only units of the configuration can be starred; a unit that leaves the
configuration drops out of the list (its row stays, harmlessly: it is never listed). At most
`MAX_FAVORITES` per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.auth import Principal
from domain.errors import ConflictError
from domain.usecases.context import Context

MAX_FAVORITES = 200


@dataclass(frozen=True)
class Favorites:
    units: list[str]  # unit ids, in the configuration's order


def favorites(ctx: Context, who: Principal) -> Favorites:
    """The person's favourites that are units of the configuration, in the configuration's order."""
    starred = set(ctx.favorites.units(who.email))
    return Favorites([u.id for u in ctx.config().units if u.id in starred])


def add_favorite(ctx: Context, who: Principal, unit_id: str, now: datetime) -> Favorites:
    """Star a unit of the configuration (404 otherwise); starring it again changes nothing."""
    unit = ctx.unit(unit_id)
    current = favorites(ctx, who).units
    if unit.id not in current:
        if len(current) >= MAX_FAVORITES:
            raise ConflictError(f"No máximo {MAX_FAVORITES} unidades favoritas por pessoa.")
        ctx.favorites.add(who.email, unit.id, now)
    return favorites(ctx, who)


def remove_favorite(ctx: Context, who: Principal, unit_id: str) -> Favorites:
    """Removing a unit that is not a favourite changes nothing; an id that names no unit is a 404 (as
    for adding), never a storage call."""
    unit = ctx.unit(unit_id)
    ctx.favorites.remove(who.email, unit.id)
    return favorites(ctx, who)
