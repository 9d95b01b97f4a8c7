"""The staff member's favourite units (★): `GET /api/clerk/favorites`, `PUT` and `DELETE
/api/clerk/favorites/{unit}` (domain/usecases/favorites.py). Any signed-in staff member, for their own
list."""

from __future__ import annotations

import azure.functions as func

from domain.usecases import favorites
from functions import bootstrap
from functions.answers import NO_STORE, present, respond
from functions.answers import clerk as answers
from functions.http_common import principal
from functions.operations import Operation
from functions.triggers import Blueprint

bp = Blueprint()


def _answer(found: favorites.Favorites) -> func.HttpResponse:
    return respond(present(answers.Favorites, found), headers=NO_STORE)


@bp.http(
    "GET clerk/favorites", Operation("Minhas unidades favoritas (★)", "servidor", answer=answers.Favorites)
)
def clerk_favorites(req: func.HttpRequest) -> func.HttpResponse:
    return _answer(favorites.favorites(bootstrap.get().context, principal(req)))


@bp.http(
    "PUT clerk/favorites/{unit}",
    Operation("Marcar a unidade como favorita", "servidor", answer=answers.Favorites),
)
def clerk_favorite_add(req: func.HttpRequest) -> func.HttpResponse:
    app = bootstrap.get()
    unit = req.route_params["unit"]
    return _answer(favorites.add_favorite(app.context, principal(req), unit, app.now()))


@bp.http(
    "DELETE clerk/favorites/{unit}",
    Operation("Desmarcar a unidade favorita", "servidor", answer=answers.Favorites, may_conflict=False),
)
def clerk_favorite_remove(req: func.HttpRequest) -> func.HttpResponse:
    unit = req.route_params["unit"]
    return _answer(favorites.remove_favorite(bootstrap.get().context, principal(req), unit))
