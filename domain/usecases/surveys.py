"""The satisfaction survey after an attendance: a score of 1 to 5 and an optional comment, once."""

from __future__ import annotations

from datetime import datetime

from domain.errors import ConflictError, InvalidInputError, InvalidTransitionError
from domain.people import COMMENT_MAX
from domain.tickets import Status, TicketId
from domain.times import iso_utc
from domain.usecases.context import Context
from domain.validation import clean_text


def submit_survey(ctx: Context, ticket_id: str, token: str, score: int, comment: str, now: datetime) -> None:
    tid = TicketId.parse(ticket_id)
    ctx.keys.verify(ticket_id, token)
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise InvalidInputError("Dê uma nota de 1 a 5.", fields={"score": "inteiro de 1 a 5"})
    text = clean_text(comment, field="comment", label="o comentário", max_len=COMMENT_MAX, required=False)
    survey = {"score": score, "comment": text, "answeredAt": iso_utc(now), "unitId": tid.unit_id}
    marks = {"surveyed": True, "surveyScore": score}
    if ctx.store.answer_survey(ticket_id, survey, marks):
        return  # the slot the attendance's end opened: one transaction, nothing read
    stored = ctx.store.get_ticket(ticket_id)
    if stored is None or stored.get("status") != Status.DONE.value:
        raise InvalidTransitionError("A pesquisa fica disponível depois do atendimento.")
    if stored.get("surveyed"):
        raise ConflictError("A pesquisa desta senha já foi respondida. Obrigado!")
    ctx.store.add_survey(ticket_id, survey, marks)  # finished before survey slots existed
