"""The guided conversation of a channel that speaks in text (WhatsApp; issue 18), as a pure state machine.

`converse(state, inbound, menu, now_ms)` returns the next state, the messages to send and the intents the
caller must run through the use cases (join a unit with the answers, ask the position, leave, answer
the survey); the caller reports each intent's outcome back (`joined`, `join_refused`, `position`,
`left`, `attended`, `surveyed`), which returns the messages to send. No SDK, no clock, no I/O.

The steps mirror the web widget's (site/assets/js/conversation.js): a greeting, the unit (a numbered
list), the join form's questions one at a time (each answer checked by the validators the HTTP join
uses: `domain.people.check_name`, `domain.validation.normalize_oab` and `normalize_process_number`,
the unit's reasons and categories, `domain.ordering.classify`), then "Ok! Você já está na fila de
atendimento." Commands typed at any time: "posição", "sair", "ajuda", "atendente"; anything else gets a
short help. Options are numbered (`questions.numbered`): a citizen answers with the number, the
option's id (an interactive reply) or its label.

A session expires after `idle_ms` without a message (default 30 minutes): unanswered questions and the
answers typed so far are forgotten. A ticket already in line is not: it has its own lifecycle, so the
conversation keeps following it ("posição", "sair" still work).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from domain.config import UnitConfig
from domain.conversation.questions import (
    QUESTIONS,
    SKIP,
    Inbound,
    Say,
    answer,
    fold,
    match,
    problem_text,
    question,
)
from domain.errors import InvalidInputError

IDLE_MS = 30 * 60 * 1000
MAX_TEXT = 1000  # a longer message is refused (the survey's comment holds as much)
MAX_UNITS = 10  # rows of a WhatsApp interactive list
WELCOME = "Bem vindo(a) ao nosso canal de atendimento on-line."
PETITIONS = (
    "Lembre-se: o Balcão Virtual não recebe petições nem documentos de processos "
    "(Resolução CNJ nº 372/2021, art. 4º)."
)
MEDIA_REFUSED = (
    "Por aqui recebemos apenas mensagens de texto: fotos, áudios, vídeos e arquivos não são aceitos. "
    + PETITIONS
)
HELP = (
    "Você pode escrever a qualquer momento: *posição* para saber a sua vez, *sair* para sair da fila, "
    "*ajuda* para ver esta mensagem, *atendente* para falar com um(a) servidor(a)."
)
NO_CHAT = (
    "Nesta unidade o atendimento é por vídeo: quando chegar a sua vez, você recebe aqui o link para "
    "entrar na reunião com o(a) servidor(a)."
)
BY_CHAT = "Quando chegar a sua vez, o(a) servidor(a) pode atender você por mensagens aqui mesmo."
JOINED = "Ok! Você já está na fila de atendimento."
NOT_IN_LINE = "Você ainda não está em nenhuma fila. Mande *oi* para começar."
COMMANDS = {"posicao": "position", "sair": "leave", "ajuda": "help", "atendente": "attendant"}
YES_NO = (("sim", "Sim, sair da fila"), ("nao", "Continuar na fila"))
SCORES = (
    ("1", "Muito insatisfeito"),
    ("2", "Insatisfeito"),
    ("3", "Regular"),
    ("4", "Satisfeito"),
    ("5", "Muito satisfeito"),
)


@dataclass(frozen=True)
class Join:
    unit_id: str
    answers: Mapping[str, str]


@dataclass(frozen=True)
class AskPosition:
    ticket_id: str


@dataclass(frozen=True)
class Leave:
    ticket_id: str


@dataclass(frozen=True)
class SurveyAnswer:
    ticket_id: str
    score: int
    comment: str


Intent = Join | AskPosition | Leave | SurveyAnswer


@dataclass(frozen=True)
class Choice:
    """A unit offered in the conversation, with what the caller knows of it now."""

    unit: UnitConfig
    open_now: bool = True
    chat: bool = False  # the unit's clerks can attend by messages on this channel
    terms: str = ""  # the folded text a typed search looks in (domain.places.search_text); "": the name


@dataclass(frozen=True)
class State:
    step: str = "new"  # new · unit · ask · queue · leave · score · comment · end
    unit_id: str = ""
    asking: str = ""
    answers: Mapping[str, str] = field(default_factory=dict)
    shown: tuple[str, ...] = ()  # the unit ids of the last numbered list
    ticket_id: str = ""
    score: str = ""
    last_ms: int = 0

    def record(self) -> dict[str, Any]:
        """The state as it is stored (JSON)."""
        return {
            "step": self.step,
            "unitId": self.unit_id,
            "asking": self.asking,
            "answers": dict(self.answers),
            "shown": list(self.shown),
            "ticketId": self.ticket_id,
            "score": self.score,
            "lastMs": self.last_ms,
        }

    @classmethod
    def of(cls, record: Mapping[str, Any] | None) -> State:
        if not record:
            return cls()
        return cls(
            str(record.get("step", "new")),
            str(record.get("unitId", "")),
            str(record.get("asking", "")),
            {str(k): str(v) for k, v in dict(record.get("answers", {})).items()},
            tuple(str(u) for u in record.get("shown", ())),
            str(record.get("ticketId", "")),
            str(record.get("score", "")),
            int(record.get("lastMs", 0)),
        )


@dataclass(frozen=True)
class Turn:
    state: State
    says: tuple[Say, ...] = ()
    intents: tuple[Intent, ...] = ()


def _ask(state: State, unit: UnitConfig, after: str = "") -> Turn:
    """The next question that applies after `after`, or the join intent when none is left."""
    keys = [q.key for q in QUESTIONS]
    for q in QUESTIONS[keys.index(after) + 1 if after else 0 :]:
        if q.when(unit, state.answers):
            return Turn(replace(state, step="ask", asking=q.key), (Say(q.ask, q.options(unit)),))
    done = replace(state, step="joining", asking="")
    return Turn(done, (), (Join(unit.id, dict(state.answers)),))


# ---------------------------------------------------------------------------------------------
# The driver


def converse(
    state: State, inbound: Inbound, menu: Sequence[Choice], now_ms: int, idle_ms: int = IDLE_MS
) -> Turn:
    """One message of the citizen: the next state, what to say and what to run (module docstring)."""
    if state.step != "new" and now_ms - state.last_ms > idle_ms:
        state = State(step="queue", ticket_id=state.ticket_id) if state.ticket_id else State()
        if not state.ticket_id:
            turn = _greet(state, menu)
            return _stamp(
                replace(
                    turn, says=(Say("A conversa anterior foi encerrada por falta de resposta."), *turn.says)
                ),
                now_ms,
            )
    command = COMMANDS.get(fold(inbound.text).strip("*!?. ")) if not inbound.option else None
    if state.step == "new":
        turn = _greet(state, menu)
    elif command:
        turn = _command(state, command, menu)
    else:
        turn = _STEPS.get(state.step, _otherwise)(state, inbound, menu)
    return _stamp(turn, now_ms)


def begin(menu: Sequence[Choice], now_ms: int, unit_id: str) -> Turn:
    """A conversation opened at a unit (the widget fixed to one): the greeting, then as if the citizen
    had chosen it from the list."""
    greeting = converse(State(), Inbound(), menu, now_ms)
    if not any(c.unit.id == unit_id for c in menu):
        return greeting
    chosen = _choose_unit(replace(greeting.state, shown=(unit_id,)), Inbound(option=unit_id), menu)
    return _stamp(replace(chosen, says=(greeting.says[0], *chosen.says)), now_ms)


def _stamp(turn: Turn, now_ms: int) -> Turn:
    return replace(turn, state=replace(turn.state, last_ms=now_ms))


def _greet(state: State, menu: Sequence[Choice]) -> Turn:
    turn = _units(state, menu, [c.unit.id for c in menu])
    return replace(turn, says=(Say(WELCOME), *turn.says))


def _units(state: State, menu: Sequence[Choice], ids: Sequence[str]) -> Turn:
    by_id = {c.unit.id: c for c in menu}
    shown = tuple(ids[:MAX_UNITS])
    options = tuple(
        (u, f"{by_id[u].unit.name}" + ("" if by_id[u].open_now else " (fechada agora)")) for u in shown
    )
    more = " Se a sua não estiver na lista, escreva o nome dela." if len(menu) > len(shown) else ""
    return Turn(
        replace(state, step="unit", shown=shown, unit_id="", asking="", answers={}),
        (Say(f"Escolha a unidade com que quer falar, respondendo o número.{more}", options),),
    )


def _choose_unit(state: State, inbound: Inbound, menu: Sequence[Choice]) -> Turn:
    by_id = {c.unit.id: c for c in menu}
    listed = tuple((u, by_id[u].unit.name) for u in state.shown if u in by_id)
    chosen = match(listed, inbound)
    if chosen is None and not inbound.option and not fold(inbound.text).isdigit():
        words = fold(inbound.text).split()
        found = [c.unit.id for c in menu if words and all(w in (c.terms or fold(c.unit.name)) for w in words)]
        if len(found) == 1:
            chosen = found[0]
        elif found:
            return _units(state, menu, found)
    if chosen is None:
        turn = _units(state, menu, state.shown or [c.unit.id for c in menu])
        return replace(
            turn,
            says=(
                Say("Não encontrei essa unidade. Responda o número de uma unidade da lista.", error=True),
                *turn.says,
            ),
        )
    choice = by_id[chosen]
    if not choice.open_now:
        return Turn(
            state,
            (Say(f"A unidade {choice.unit.name} está fechada agora. Escolha outra ou tente mais tarde."),),
        )
    turn = _ask(replace(state, unit_id=chosen, answers={}), choice.unit)
    return replace(turn, says=(Say(f"Você escolheu: {choice.unit.name}. {PETITIONS}"), *turn.says))


def _reply(state: State, inbound: Inbound, menu: Sequence[Choice]) -> Turn:
    choice = next((c for c in menu if c.unit.id == state.unit_id), None)
    if choice is None:  # the unit left the menu meanwhile
        return _greet(State(), menu)
    q = question(state.asking)
    try:
        value = answer(q, choice.unit, inbound)
    except InvalidInputError as exc:
        return Turn(state, (Say(problem_text(exc), error=True), Say(q.ask, q.options(choice.unit))))
    return _ask(replace(state, answers={**state.answers, q.key: value}), choice.unit, q.key)


def _command(state: State, command: str, menu: Sequence[Choice]) -> Turn:
    in_line = state.ticket_id and state.step in ("queue", "leave", "joining")
    if command == "help":
        return Turn(state, (Say(HELP), *_repeat(state, menu)))
    if command == "attendant":
        choice = next((c for c in menu if c.unit.id == state.unit_id), None)
        return Turn(state, (Say(BY_CHAT if choice and choice.chat else NO_CHAT), *_repeat(state, menu)))
    if command == "position":
        return (
            Turn(state, (), (AskPosition(state.ticket_id),)) if in_line else Turn(state, (Say(NOT_IN_LINE),))
        )
    if in_line:
        return Turn(
            replace(state, step="leave"),
            (
                Say(
                    "Se sair, sua senha será cancelada e você perderá o lugar na fila. Quer mesmo sair?",
                    YES_NO,
                ),
            ),
        )
    return Turn(
        State(step="end"),
        (Say("Tudo bem, as suas respostas foram apagadas. Quando quiser, mande *oi* para começar de novo."),),
    )


def _repeat(state: State, menu: Sequence[Choice]) -> tuple[Say, ...]:
    """The question being asked, again (after a command that did not answer it)."""
    choice = next((c for c in menu if c.unit.id == state.unit_id), None)
    if state.step == "ask" and choice is not None:
        q = question(state.asking)
        return (Say(q.ask, q.options(choice.unit)),)
    return ()


def _leave(state: State, inbound: Inbound, menu: Sequence[Choice]) -> Turn:
    if match(YES_NO, inbound) == "sim":
        return Turn(state, (), (Leave(state.ticket_id),))
    return Turn(replace(state, step="queue"), (Say("Certo, você continua na fila."),))


def _score(state: State, inbound: Inbound, menu: Sequence[Choice]) -> Turn:
    score = match(SCORES, inbound)
    if score is None:
        return Turn(state, (Say("Responda com uma nota de 1 a 5.", SCORES),))
    return Turn(
        replace(state, step="comment", score=score),
        (Say("Quer deixar um comentário? Escreva agora, ou responda 0 para terminar."),),
    )


def _comment(state: State, inbound: Inbound, menu: Sequence[Choice]) -> Turn:
    text = "" if fold(inbound.text) in SKIP else inbound.text.strip()
    return Turn(state, (), (SurveyAnswer(state.ticket_id, int(state.score), text),))


def _otherwise(state: State, inbound: Inbound, menu: Sequence[Choice]) -> Turn:
    if state.step == "end":
        return _greet(State(), menu)
    return Turn(state, (Say("Não entendi. " + HELP),))


_STEPS: Mapping[str, Callable[[State, Inbound, Sequence[Choice]], Turn]] = {
    "unit": _choose_unit,
    "ask": _reply,
    "leave": _leave,
    "score": _score,
    "comment": _comment,
}


# ---------------------------------------------------------------------------------------------
# Outcomes of the intents, reported back by the caller


def joined(state: State, ticket_id: str, display_number: str) -> Turn:
    return Turn(
        replace(state, step="queue", ticket_id=ticket_id, answers={}, asking=""),
        (
            Say(f"{JOINED} Sua senha é {display_number}." if display_number else JOINED),
            Say("Por favor aguarde para ser atendido! Avisaremos aqui quando chegar a sua vez. " + HELP),
        ),
    )


def join_refused(state: State, message: str, menu: Sequence[Choice]) -> Turn:
    """The join was refused (closed, full, already in line, a limit): say why and offer the units again."""
    turn = _units(State(), menu, [c.unit.id for c in menu])
    return replace(turn, says=(Say(message), *turn.says))


def position(state: State, text: str) -> Turn:
    return Turn(state, (Say(text),))


def left(state: State) -> Turn:
    return Turn(State(step="end"), (Say("Você saiu da fila. Sua senha foi cancelada."),))


def attended(state: State) -> Turn:
    """The attendance ended: ask the survey."""
    return Turn(
        replace(state, step="score"), (Say("Como foi o seu atendimento? Dê uma nota de 1 a 5.", SCORES),)
    )


def surveyed(state: State) -> Turn:
    return Turn(State(step="end"), (Say("Obrigado pela sua avaliação!"),))
