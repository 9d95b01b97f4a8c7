"""`GET /api/gestao/units/{unit}/configuration`: a unit's configuration, read-only, for the Serventias
tab (domain/usecases/unit_settings.py: its clerks, the court's managers, administrators)."""

from __future__ import annotations

import azure.functions as func

from domain.usecases import unit_settings
from functions import bootstrap
from functions.answers import NO_STORE, present, respond
from functions.answers import clerk as answers
from functions.operations import Operation
from functions.triggers import Blueprint

bp = Blueprint()


@bp.http(
    "GET gestao/units/{unit}/configuration",
    Operation(
        "Configuração da unidade (somente leitura)",
        "gestão",
        description=f"A configuração é código: {unit_settings.CONFIG_FILE}, aplicado com azd provision.",
        answer=answers.UnitSettings,
        errors=(404,),
    ),
)
def unit_configuration(req: func.HttpRequest) -> func.HttpResponse:
    found = unit_settings.unit_settings(bootstrap.get().context, req.route_params["unit"])
    return respond(present(answers.UnitSettings, found), headers=NO_STORE)
