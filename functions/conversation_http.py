"""`POST /api/conversa`: the web widget's side of the one conversation (issue 18). The widget sends the
signed state it was last given and what the citizen typed or chose; the answer is the next signed state,
the messages to show (options by id, shown as buttons) and, once in line, the ticket to follow (id, token,
status URL, as the HTTP join gives them). Nothing is stored between messages
(domain/usecases/widget_conversation.py; domain/conversation/sealed.py).

A message that joins is limited as the HTTP join is: the caller's address is the client of the join
buckets and of the active-ticket cap, and near a unit's cap a proof of work is asked (428); the widget
solves it (site/assets/js/proof.js) and sends the same message again with `X-Balcao-Proof`.
"""

from __future__ import annotations

import azure.functions as func

from domain.conversation.questions import Inbound
from domain.conversation.sealed import seal, unseal
from domain.usecases import directory, widget_conversation
from functions import bootstrap, limits
from functions.answers import NO_STORE, Answer, respond
from functions.answers import conversation as answers
from functions.answers.tickets import unit_summary
from functions.bodies import ConversationBody
from functions.http_common import ConversationJoins
from functions.operations import Operation
from functions.triggers import Blueprint

bp = Blueprint()


@bp.http(
    "POST conversa",
    Operation(
        "Conversa do widget: a próxima mensagem",
        "cidadão",
        description="A mesma conversa do WhatsApp (perguntas, validação, comandos posição, sair, ajuda, "
        "atendente). Sem `state`: começa (na unidade `unit`, ou acompanhando `ticketId` com `token`). "
        "O estado volta assinado e expira após 30 minutos sem mensagem; nada é guardado entre mensagens. "
        "Ao entrar na fila: os limites e a verificação (428) da entrada na fila.",
        answer=answers.ConversationTurn,
        errors=(428,),
        may_conflict=False,  # a refused join is said in the conversation
    ),
)
def converse(req: func.HttpRequest, body: ConversationBody) -> func.HttpResponse:
    app = bootstrap.get()
    ctx, now = app.context, app.now()
    if body.state or body.ticket_id:
        state = unseal(ctx.keys, body.state) if body.state else None
        state = state or widget_conversation.resume(ctx, body.ticket_id, body.token, now)
        inbound, client = Inbound(body.text, body.option), limits.client_address(req.headers) or ""
        turn = widget_conversation.reply(ctx, state, inbound, now, client, ConversationJoins(req))
        before = state.unit_id
    else:
        turn, before = widget_conversation.start(ctx, now, body.unit), ""
    after = turn.state
    ticket = answers.ticket_of(after.ticket_id, ctx.keys.sign, app.links) if after.ticket_id else None
    chosen = after.unit_id if after.unit_id != before and after.step == "ask" else ""
    unit: Answer | None = unit_summary(directory.get_unit(ctx, chosen, now), app.links) if chosen else None
    return respond(answers.conversation_turn(turn, seal(ctx.keys, after), ticket, unit), headers=NO_STORE)
