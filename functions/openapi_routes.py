"""The declaration of each HTTP route for the OpenAPI description (functions/openapi.py generates the
document): a summary, the models of its body and answer (functions/bodies.py, functions/answers/), its
query parameters and any answer it gives beyond the usual ones.

**Adding a route**: declare it in `OPERATIONS` below. tests/contract/test_openapi.py fails, naming the
route, for any route of the app without a declaration (and for any declaration without a route).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from functions import bodies as b
from functions.answers import Health, StatusAnswer
from functions.answers import audit as au
from functions.answers import clerk as ck
from functions.answers import messages as ms
from functions.answers import metrics as mt
from functions.answers import scheduling as sc
from functions.answers import tickets as tk

JSON = "application/json"


@dataclass(frozen=True)
class Param:
    """A query parameter (or the allowed values of a route parameter, in `Operation.path`)."""

    name: str
    description: str
    enum: tuple[str, ...] = ()
    pattern: str = ""
    required: bool = False

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "string"}
        if self.enum:
            out = {"type": "string", "enum": list(self.enum)}
        if self.pattern:
            out["pattern"] = self.pattern
        return out


@dataclass(frozen=True)
class Operation:
    """What a route's declaration says; see the module docstring for what is derived."""

    summary: str
    tag: str
    description: str = ""
    body: type[BaseModel] | None = None
    body_required: bool = True
    status: int = 200
    answer: type[BaseModel] | None = None  # JSON answer; None: a free-form JSON object
    media: str = JSON  # of the success answer ("text/html", "text/csv", ...)
    csv: bool = False  # `format=csv` gives text/csv as well
    empty: bool = False  # the success answer has no body (204)
    query: tuple[Param, ...] = ()
    path: tuple[Param, ...] = ()  # constraints on route parameters ({action}), by name
    errors: tuple[int, ...] = ()  # error statuses beyond the derived ones
    headers: Mapping[str, str] = field(default_factory=dict)  # success answer header → description
    not_modified: bool = False  # honours If-None-Match (304)


_PERIOD = Param("period", "Período: hoje ou os últimos 7, 30 ou 60 dias", ("today", "7", "30", "60"))
_COURT = Param("court", "Tribunal (id)")
_UNIT = Param("unit", "Unidade (id)")
_FORMAT = Param("format", "json (padrão) ou csv", ("json", "csv"))
_FORMAT_JSON = Param("format", "json (padrão)", ("json",))
_METRICS = (_PERIOD, _COURT, _UNIT)
_FROM = Param("from", "Primeiro dia AAAA-MM-DD (padrão: hoje)")
_DAYS = Param("days", "Quantos dias (padrão: os da unidade)")
_TICKET_HEADERS = {"ETag": "Versão da visão da senha (use If-None-Match)"}

OPERATIONS: dict[tuple[str, str], Operation] = {
    ("GET", "health"): Operation("Situação do serviço", "público", answer=Health),
    ("GET", "openapi.json"): Operation("Esta descrição OpenAPI 3.1", "público"),
    ("GET", "units"): Operation(
        "Lista as unidades com horário, situação e fila",
        "público",
        answer=tk.UnitList,
        query=(Param("court", "Tribunal (id)"), Param("section", "Seção ou comarca"), Param("q", "Busca")),
    ),
    ("GET", "units/{unit}"): Operation("Uma unidade", "público", answer=tk.UnitSummary),
    ("GET", "units/{unit}/embed"): Operation(
        "Cartão HTML da unidade para o site do tribunal (iframe)", "público", media="text/html"
    ),
    ("POST", "units/{unit}/tickets"): Operation(
        "Entrar na fila da unidade",
        "cidadão",
        description="Aceita o pedido (202) e o envia à fila de admissão; o número da senha aparece na "
        "primeira consulta. Limites por cliente e por unidade (429 com Retry-After).",
        body=b.JoinBody,
        status=202,
        answer=tk.JoinAccepted,
        errors=(409,),
        headers={"Location": "URL da senha"},
    ),
    ("GET", "tickets/{ticket}"): Operation(
        "Acompanhar a senha (posição, espera, link da reunião)",
        "cidadão",
        answer=tk.TicketView,
        headers=_TICKET_HEADERS,
        not_modified=True,
    ),
    ("DELETE", "tickets/{ticket}"): Operation("Sair da fila", "cidadão", empty=True, errors=(409,)),
    ("DELETE", "tickets/{ticket}/data"): Operation(
        "Apagar os dados pessoais da senha (LGPD)",
        "cidadão",
        description="Sai da fila se a senha ainda estiver ativa e apaga nome, OAB, processo e comentários.",
        empty=True,
        errors=(409,),
    ),
    ("POST", "tickets/{ticket}/survey"): Operation(
        "Responder a pesquisa de satisfação",
        "cidadão",
        body=b.SurveyBody,
        status=201,
        answer=tk.SurveyAccepted,
        errors=(409,),
    ),
    ("GET", "clerk/me"): Operation("Quem sou e onde atendo", "servidor", answer=ck.ClerkHome),
    ("GET", "clerk/units/{unit}/queue"): Operation("Fila da unidade", "servidor", answer=ck.ClerkQueue),
    ("POST", "clerk/units/{unit}/call"): Operation(
        "Chamar a próxima senha (ou uma senha, com motivo)",
        "servidor",
        body=b.CallBody,
        body_required=False,
        answer=ck.CallAnswer,
        errors=(409,),
    ),
    ("POST", "clerk/units/{unit}/tickets/{ticket}/{action}"): Operation(
        "Ação sobre uma senha chamada",
        "servidor",
        body=b.ActionBody,
        body_required=False,
        answer=StatusAnswer,
        path=(
            Param(
                "action",
                "Ação",
                ("start", "finish", "no-show", "requeue", "transfer", "retry-meeting"),
            ),
        ),
        errors=(409, 502),
    ),
    ("PUT", "clerk/units/{unit}/presence"): Operation(
        "Disponibilidade do(a) servidor(a)", "servidor", body=b.PresenceBody, answer=StatusAnswer
    ),
    ("GET", "metrics/summary"): Operation(
        "Indicadores do período", "indicadores", answer=mt.Summary, query=(*_METRICS, _FORMAT_JSON)
    ),
    ("GET", "metrics/daily"): Operation(
        "Série diária",
        "indicadores",
        answer=mt.Daily,
        query=(Param("days", "Dias", ("7", "30", "60")), _COURT, _UNIT, _FORMAT),
        csv=True,
    ),
    ("GET", "metrics/units"): Operation(
        "Por unidade", "indicadores", answer=mt.UnitsReport, query=(*_METRICS, _FORMAT), csv=True
    ),
    ("GET", "metrics/heatmap"): Operation(
        "Dia da semana × hora", "indicadores", answer=mt.Heatmap, query=(*_METRICS, _FORMAT), csv=True
    ),
    ("GET", "metrics/dropoff"): Operation(
        "Desistências", "indicadores", answer=mt.Dropoff, query=(*_METRICS, _FORMAT_JSON)
    ),
    ("GET", "metrics/compliance"): Operation(
        "Cumprimento do horário (Res. 372 art. 1º)",
        "indicadores",
        answer=mt.Compliance,
        query=(*_METRICS, _FORMAT),
        csv=True,
    ),
    ("GET", "metrics/breakdown"): Operation(
        "Por assunto e perfil", "indicadores", answer=mt.Breakdown, query=(*_METRICS, _FORMAT_JSON)
    ),
    # scheduling, the asynchronous channel (Res. 372 art. 2 §1, art. 4), calling in a colleague
    ("GET", "units/{unit}/slots"): Operation(
        "Horários livres para agendamento", "agendamento", answer=sc.SlotOffer, query=(_FROM, _DAYS)
    ),
    ("POST", "units/{unit}/appointments"): Operation(
        "Agendar um atendimento",
        "agendamento",
        body=b.BookBody,
        status=201,
        answer=sc.Booking,
        errors=(409,),
        headers={"Location": "URL do agendamento"},
    ),
    ("GET", "tickets/{ticket}/appointment"): Operation(
        "O agendamento", "agendamento", answer=sc.AppointmentView
    ),
    ("DELETE", "tickets/{ticket}/appointment"): Operation(
        "Cancelar o agendamento", "agendamento", empty=True, errors=(409,)
    ),
    ("POST", "tickets/{ticket}/appointment/reschedule"): Operation(
        "Remarcar o agendamento",
        "agendamento",
        body=b.SlotBody,
        status=201,
        answer=sc.Booking,
        errors=(409,),
        headers={"Location": "URL do novo agendamento"},
    ),
    ("GET", "tickets/{ticket}/follow-up"): Operation(
        "Retorno marcado pelo(a) servidor(a)", "agendamento", answer=sc.FollowUp
    ),
    ("GET", "clerk/units/{unit}/slots"): Operation(
        "Agenda da unidade", "servidor", answer=sc.SlotOffer, query=(_FROM, _DAYS)
    ),
    ("GET", "clerk/units/{unit}/appointments"): Operation(
        "Agendamentos de um dia",
        "servidor",
        answer=sc.DayAppointments,
        query=(Param("day", "Dia AAAA-MM-DD"),),
    ),
    ("POST", "clerk/units/{unit}/attendances/{ticket}/follow-up"): Operation(
        "Marcar retorno para o(a) cidadão(ã)",
        "servidor",
        body=b.SlotBody,
        status=201,
        answer=sc.Booking,
        errors=(409,),
    ),
    ("GET", "units/{unit}/async-channel"): Operation(
        "Canal assíncrono da unidade", "canal assíncrono", answer=ms.ChannelInfo
    ),
    ("POST", "units/{unit}/messages"): Operation(
        "Enviar mensagem pelo canal assíncrono",
        "canal assíncrono",
        body=b.MessageBody,
        status=201,
        answer=ms.MessageSent,
        errors=(409,),
        headers={"Location": "URL da mensagem"},
    ),
    ("GET", "tickets/{ticket}/message"): Operation(
        "A mensagem e a resposta", "canal assíncrono", answer=ms.MessageView
    ),
    ("GET", "clerk/units/{unit}/messages"): Operation("Mensagens da unidade", "servidor", answer=ms.Inbox),
    ("POST", "clerk/units/{unit}/messages/{message}/reply"): Operation(
        "Responder uma mensagem", "servidor", body=b.ReplyBody, answer=ms.Replied, errors=(409,)
    ),
    ("GET", "clerk/units/{unit}/colleagues"): Operation(
        "Colegas que podem ser chamados", "servidor", answer=ck.Colleagues
    ),
    ("POST", "clerk/units/{unit}/attendances/{ticket}/invitations"): Operation(
        "Chamar um(a) colega para o atendimento",
        "servidor",
        body=b.InviteBody,
        status=201,
        answer=ck.Invitation,
        errors=(409,),
    ),
    ("GET", "metrics/async"): Operation(
        "Indicadores do canal assíncrono",
        "indicadores",
        answer=ms.AsyncMetrics,
        query=(Param("days", "Dias (1 a 366)"), _COURT, _UNIT),
    ),
    ("GET", "admin/audit"): Operation(
        "Trilha de auditoria de uma unidade-dia",
        "administração",
        answer=au.AuditTrail,
        query=(
            Param("unit", "Unidade (id)", required=True),
            Param("day", "Dia AAAAMMDD (padrão: hoje no fuso da unidade)", pattern=r"^\d{8}$"),
            _FORMAT,
        ),
        csv=True,
    ),
}
