"""The text conversation (issue 18) as a pure state machine: the expectations come from the issue's
wording ("oi" → unit → questions → "Ok! Você já está na fila" → "posição"; commands at any time; a
session that expires after inactivity) and from the join form's rules, not from the code."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from domain.conversation.machine import (
    IDLE_MS,
    AskPosition,
    Choice,
    Join,
    Leave,
    State,
    SurveyAnswer,
    Turn,
    attended,
    begin,
    converse,
    joined,
)
from domain.conversation.questions import Inbound, numbered
from tests.fakes.context import demo_config

CONFIG = demo_config()
WITH_CATEGORIES = CONFIG.unit("trf1-sjac-01vf")  # asks the type of attendance ("advogados", "partes")
PLAIN = CONFIG.unit("trf1-sjam-01vf")
CLOSED = CONFIG.unit("tjam-tefe-vu")
assert WITH_CATEGORIES and PLAIN and CLOSED
MENU = (Choice(WITH_CATEGORIES), Choice(PLAIN), Choice(CLOSED, open_now=False))
PROCESS = "0000001-80.2024.4.01.3200"  # 00000012024401320000 mod 97 = 18: check digits 98 - 18 = 80
T0 = 1_000_000


def talk(lines: Sequence[str], menu: Sequence[Choice] = MENU, state: State | None = None) -> list[Turn]:
    """Each line typed one second after the other, from a new conversation."""
    turns, state = [], state or State()
    for i, line in enumerate(lines):
        turn = converse(state, Inbound(line), menu, T0 + i * 1000)
        turns.append(turn)
        state = turn.state
    return turns


def text(turn: Turn) -> str:
    return "\n".join(numbered(s) for s in turn.says)


def test_any_first_message_greets_and_lists_the_units_numbered() -> None:
    (turn,) = talk(["oi"])
    assert "Bem vindo(a)" in text(turn)
    assert "1 — TRF1 - SJAC - 01ª Vara Federal Cível e Criminal" in text(turn)
    assert "3 — Vara Única (fechada agora)" in text(turn)
    assert turn.intents == ()


# Every answer of a lawyer to a unit with service categories, as typed, and the join it must make.
LAWYER = [
    "bom dia",
    "1",
    "Maria  da Silva",
    "2",
    "123456 sp",
    PROCESS,
    "1",
    "1",
    "1, 5",
    "2",
    "1, 2",
    "rampa",
]


def test_a_whole_join_asks_each_question_once_and_joins_with_the_answers() -> None:
    turns = talk(LAWYER)
    asked = [text(t) for t in turns]
    assert "Qual é o seu nome completo?" in asked[1]
    assert "Você é parte, advogado(a) ou outro?" in asked[2]
    assert "OAB" in asked[3]
    assert "número" in asked[4] and "processo" in asked[4]
    assert "assunto" in asked[5]
    assert "tipo de atendimento" in asked[6]
    assert "prioritário" in asked[7]
    assert "acompanhar" in asked[8]
    assert "acessibilidade" in asked[9] and "Intérprete de Libras" in asked[9]
    assert "poucas palavras" in asked[10]
    assert turns[-1].intents == (
        Join(
            "trf1-sjac-01vf",
            {
                "name": "Maria da Silva",  # spaces collapsed, as the HTTP join stores it
                "role": "advogado",
                "oab": "123456 SP",
                "processNumber": PROCESS,
                "reason": "informacao-processual",
                "category": "advogados",
                "priority": "idoso_80 gestante",
                "companions": "2",
                "accessibility": "libras outra",
                "accessibilityNote": "rampa",
            },
        ),
    )
    assert all(t.intents == () for t in turns[:-1])


def test_a_party_is_not_asked_the_oab_and_a_unit_without_categories_not_the_type() -> None:
    turns = talk(["oi", "2", "José", "1", "0", "2", "0", "0", "0"])
    (join,) = turns[-1].intents
    assert join == Join(
        "trf1-sjam-01vf",
        {
            "name": "José",
            "role": "parte",
            "processNumber": "",
            "reason": "orientacao",
            "priority": "",
            "companions": "0",
            "accessibility": "",
        },
    )
    assert not any("OAB" in text(t) for t in turns)
    assert not any("poucas palavras" in text(t) for t in turns)  # asked only after "another need"


@pytest.mark.parametrize(
    ("answers", "refusal"),
    [
        (["oi", "2", ""], "Informe seu nome."),
        (["oi", "2", "A" * 121], "No máximo 120 caracteres."),  # NAME_MAX of the HTTP join
        (["oi", "2", "Ana", "7"], "Escolha uma das opções da lista"),
        (["oi", "2", "Ana", "advogado", "abc"], "Escreva o número e a UF da OAB"),
        (["oi", "2", "Ana", "advogado", "123 XX"], "Informe a UF da seccional da OAB."),
        (["oi", "2", "Ana", "1", "0000001-81.2024.4.01.3200"], "os 2 números depois do traço) não conferem"),
        (["oi", "2", "Ana", "1", "0", "9"], "Escolha uma das opções da lista"),
        (["oi", "2", "Ana", "1", "0", "1", "1, 11"], "Responda com os números da lista, ou 0."),
        (["oi", "2", "Ana", "1", "0", "1", "0", "4"], "Responda com um número de 0 a 3."),
        (["oi", "2", "Ana", "1", "0", "1", "0", "0", "3"], "Responda com os números da lista, ou 0."),
        (["oi", "2", "Ana", "1", "0", "1", "0", "0", "2", "x" * 201], "no máximo 200 caracteres"),
    ],
)
def test_a_wrong_answer_is_refused_clearly_and_the_question_asked_again(
    answers: list[str], refusal: str
) -> None:
    turns = talk(answers)
    before, after = turns[-2].state, turns[-1].state
    assert refusal.lower() in text(turns[-1]).lower()
    assert after.asking == before.asking and after.answers == before.answers  # nothing changed
    assert turns[-1].intents == ()
    assert turns[-1].says[0].error and not turns[-1].says[-1].error  # the refusal, then the question again


def test_a_conversation_opened_at_a_unit_greets_and_asks_the_first_question_there() -> None:
    turn = begin(MENU, T0, "trf1-sjam-01vf")
    assert "Bem vindo(a)" in turn.says[0].text and "Escolha a unidade" not in text(turn)
    assert turn.state.unit_id == "trf1-sjam-01vf" and turn.says[-1].text == "Qual é o seu nome completo?"
    assert "art. 4º" in text(turn)  # the counter takes no petitions, said before any question
    elsewhere = begin(MENU, T0, "tjac-rbr-1vce")  # not offered here: the list of the units instead
    assert elsewhere.state.step == "unit" and "Escolha a unidade" in text(elsewhere)


def test_a_unit_is_found_by_the_words_of_its_search_text_when_the_channel_gives_one() -> None:
    menu = (
        Choice(WITH_CATEGORIES, terms="trf1 sjac rio branco acre"),
        Choice(PLAIN, terms="manaus amazonas"),
    )
    found = talk(["oi", "Rio Branco"], menu)[-1]
    assert found.state.unit_id == "trf1-sjac-01vf"


def test_a_unit_is_chosen_by_its_name_too_and_a_closed_unit_is_refused() -> None:
    by_name = talk(["oi", "sjam"])[-1]
    assert by_name.state.unit_id == "trf1-sjam-01vf"
    closed = talk(["oi", "3"])[-1]
    assert "fechada agora" in text(closed) and closed.state.unit_id == ""
    unknown = talk(["oi", "vara de marte"])[-1]
    assert "Não encontrei essa unidade" in text(unknown)


IN_LINE = joined(talk(["oi"])[-1].state, "trf1-sjam-01vf-20261201-0007", "A-7").state


@pytest.mark.parametrize(
    ("typed", "intents", "says"),
    [
        ("posição", (AskPosition("trf1-sjam-01vf-20261201-0007"),), ""),
        ("POSICAO", (AskPosition("trf1-sjam-01vf-20261201-0007"),), ""),
        ("sair", (), "Quer mesmo sair?"),
        ("ajuda", (), "posição"),
        ("atendente", (), "atendimento é por vídeo"),
        ("quero um café", (), "Não entendi"),
    ],
)
def test_commands_in_line(typed: str, intents: tuple[object, ...], says: str) -> None:
    turn = converse(IN_LINE, Inbound(typed), MENU, T0 + 5000)
    assert turn.intents == intents
    assert says in text(turn)


def test_leaving_asks_to_confirm_and_then_leaves() -> None:
    asked = converse(IN_LINE, Inbound("sair"), MENU, T0)
    assert converse(asked.state, Inbound("1"), MENU, T0).intents == (Leave("trf1-sjam-01vf-20261201-0007"),)
    stay = converse(asked.state, Inbound("2"), MENU, T0)
    assert stay.intents == () and "continua na fila" in text(stay)


def test_commands_while_answering_keep_the_answers_and_repeat_the_question() -> None:
    turns = talk(["oi", "2", "Ana", "ajuda"])
    assert turns[-1].state.answers == {"name": "Ana"}
    assert "posição" in text(turns[-1]) and "parte, advogado(a) ou outro" in text(turns[-1])
    assert "não está em nenhuma fila" in text(talk(["oi", "2", "posição"])[-1])
    gone = talk(["oi", "2", "Ana", "sair"])[-1]
    assert gone.state.answers == {} and "apagadas" in text(gone)


def test_attendant_for_a_unit_whose_clerks_attend_by_messages() -> None:
    menu = (Choice(PLAIN, chat=True),)
    state = joined(talk(["oi", "1"], menu)[-1].state, "t", "A-1").state
    assert "por mensagens aqui mesmo" in text(converse(state, Inbound("atendente"), menu, T0))


def test_an_idle_session_expires_after_thirty_minutes_but_a_ticket_in_line_is_kept() -> None:
    asking = talk(["oi", "2", "Ana"])[-1].state
    soon = converse(asking, Inbound("1"), MENU, asking.last_ms + IDLE_MS)
    assert soon.state.answers == {"name": "Ana", "role": "parte"}
    late = converse(asking, Inbound("1"), MENU, asking.last_ms + IDLE_MS + 1)
    assert late.state.answers == {} and "encerrada por falta de resposta" in text(late)
    assert IDLE_MS == 30 * 60 * 1000
    shorter = converse(asking, Inbound("1"), MENU, asking.last_ms + 61_000, idle_ms=60_000)
    assert shorter.state.answers == {}
    kept = converse(IN_LINE, Inbound("posição"), MENU, IN_LINE.last_ms + 3 * IDLE_MS)
    assert kept.intents == (AskPosition("trf1-sjam-01vf-20261201-0007"),)


def test_the_survey_after_the_attendance() -> None:
    asked = attended(IN_LINE)
    assert "nota de 1 a 5" in text(asked)
    wrong = converse(asked.state, Inbound("9"), MENU, T0)
    assert "nota de 1 a 5" in text(wrong) and wrong.intents == ()
    scored = converse(asked.state, Inbound("5"), MENU, T0)
    done = converse(scored.state, Inbound("Muito bom"), MENU, T0)
    assert done.intents == (SurveyAnswer("trf1-sjam-01vf-20261201-0007", 5, "Muito bom"),)
    none = converse(scored.state, Inbound("0"), MENU, T0)
    assert none.intents == (SurveyAnswer("trf1-sjam-01vf-20261201-0007", 5, ""),)


def test_an_interactive_reply_chooses_by_option_id_and_the_state_round_trips() -> None:
    turns = talk(["oi"])
    chosen = converse(turns[-1].state, Inbound(option="trf1-sjam-01vf"), MENU, T0)
    assert chosen.state.unit_id == "trf1-sjam-01vf"
    assert State.of(chosen.state.record()) == chosen.state
