"""The join questions of the text conversation (domain/conversation/machine.py), one at a time: what is
asked, the options of the unit, when a question applies, and the check of an answer, which is the
validator the HTTP join uses (`check_name`, `normalize_oab`, `normalize_process_number`, the unit's
reasons and categories, `classify`); joining checks the whole request again (`validate_join`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from domain.config import UnitConfig
from domain.errors import InvalidInputError
from domain.ordering import GROUND_LABELS, classify
from domain.people import ACCESSIBILITY_NOTE_MAX as NOTE_MAX
from domain.people import ROLES, check_name
from domain.validation import normalize_oab, normalize_process_number

SKIP = ("0", "pular", "nao", "nenhum", "nenhuma")


@dataclass(frozen=True)
class Say:
    """One message to the citizen: its text and, when it asks to choose, the options (id, label)."""

    text: str
    options: tuple[tuple[str, str], ...] = ()
    error: bool = False  # it refuses the last answer (a channel may mark it so)


@dataclass(frozen=True)
class Inbound:
    """A message the citizen sent: text typed, or the id of an option chosen (interactive reply)."""

    text: str = ""
    option: str = ""


def fold(text: str) -> str:
    """Lower case, accents dropped, spaces trimmed: how typed words are compared."""
    decomposed = unicodedata.normalize("NFD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip().lower()


def numbered(say: Say) -> str:
    """A message as plain text, its options as a numbered list (how a text channel shows them)."""
    lines = [f"{i} — {label}" for i, (_, label) in enumerate(say.options, 1)]
    return "\n".join([say.text, *lines]) if lines else say.text


def match(options: Sequence[tuple[str, str]], inbound: Inbound) -> str | None:
    """The id of the option a reply names: its id (interactive), its number in the list, or its label."""
    if inbound.option:
        return inbound.option if any(inbound.option == o for o, _ in options) else None
    wanted = fold(inbound.text).rstrip(".")
    if wanted.isdigit() and 1 <= int(wanted) <= len(options):
        return options[int(wanted) - 1][0]
    return next((o for o, label in options if wanted in (fold(o), fold(label))), None)


# ---------------------------------------------------------------------------------------------
# The join questions: (key, question, options of the unit, when it applies, check of an answer).
# A check returns the answer as the join request takes it, or raises InvalidInputError.


@dataclass(frozen=True)
class Question:
    key: str
    ask: str
    options: Callable[[UnitConfig], tuple[tuple[str, str], ...]] = lambda unit: ()
    when: Callable[[UnitConfig, Mapping[str, str]], bool] = lambda unit, answers: True
    check: Callable[[str], str] = lambda raw: raw
    multiple: bool = False  # several options ("1, 3"), or none ("0")
    optional: bool = False  # "0" or "pular" answers it with nothing


def _oab(raw: str) -> str:
    found = re.fullmatch(r"\s*([\d.\s]+[A-Za-z]?)\s*[-/ ]?\s*([A-Za-z]{2})\s*", raw or "")
    if not found:
        raise InvalidInputError("Escreva o número e a UF da OAB, por exemplo: 123456 SP.")
    number, state = normalize_oab(found[1], found[2])
    return f"{number} {state}"


ROLE_LABELS = {"parte": "Parte ou interessado"}  # the join form's wording
MAX_COMPANIONS = 3  # as the join form (domain/usecases/joining.py checks it again)
GROUNDS = tuple((g.value, label) for g, label in GROUND_LABELS.items())
ACCESSIBILITY = (  # the join form's (site/assets/js/format.js); Res. CNJ 401/2021
    ("libras", "Intérprete de Libras (Língua Brasileira de Sinais)"),
    ("outra", "Outra necessidade de acessibilidade"),
)
QUESTIONS = (
    Question("name", "Qual é o seu nome completo?", check=check_name),
    Question(
        "role",
        "Você é parte, advogado(a) ou outro?",
        options=lambda unit: tuple((r, ROLE_LABELS.get(r, label)) for r, label in ROLES.items()),
    ),
    Question(
        "oab",
        "Qual é o número da sua inscrição na OAB e a UF da seccional? Por exemplo: 123456 SP.",
        when=lambda unit, a: a.get("role") == "advogado",
        check=_oab,
    ),
    Question(
        "processNumber",
        "Se o assunto for um processo, qual é o número dele (20 números; pode digitar só os números)? "
        "Se não tiver, responda 0.",
        check=normalize_process_number,
        optional=True,
    ),
    Question(
        "reason",
        "Qual é o assunto do atendimento?",
        options=lambda unit: tuple((r.id, r.label) for r in unit.reasons),
    ),
    Question(
        "category",
        "Qual é o tipo de atendimento?",
        options=lambda unit: tuple((c.id, c.label) for c in unit.service_categories),
        when=lambda unit, a: bool(unit.service_categories),
    ),
    Question(
        "priority",
        "Você tem direito a atendimento prioritário? Responda os números do que for o seu caso "
        "(por exemplo: 1, 3), ou 0 se não tiver ou preferir não informar.",
        options=lambda unit: GROUNDS,
        multiple=True,
        check=lambda raw: _grounds(raw),
    ),
    Question(
        "companions",
        "Quantas pessoas vão acompanhar você no atendimento? Responda de 0 a 3.",
        check=lambda raw: _companions(raw),
    ),
    Question(
        "accessibility",
        "Você precisa de algum recurso de acessibilidade no atendimento? Responda o número, ou 0 se não "
        "precisar.",
        options=lambda unit: ACCESSIBILITY,
        multiple=True,
    ),
    Question(
        "accessibilityNote",
        "Conte em poucas palavras do que você precisa (ou responda 0 para pular).",
        when=lambda unit, a: "outra" in a.get("accessibility", "").split(),
        check=lambda raw: _note(raw),
        optional=True,
    ),
)


def _note(raw: str) -> str:
    if len(raw.strip()) > NOTE_MAX:
        raise InvalidInputError(f"Escreva no máximo {NOTE_MAX} caracteres.")
    return raw.strip()


def _grounds(raw: str) -> str:
    classify(raw.split())  # InvalidInputError for a ground the law does not list
    return raw


def _companions(raw: str) -> str:
    if raw.strip() not in {str(n) for n in range(MAX_COMPANIONS + 1)}:
        raise InvalidInputError(f"Responda com um número de 0 a {MAX_COMPANIONS}.")
    return raw.strip()


def question(key: str) -> Question:
    return next(q for q in QUESTIONS if q.key == key)


def answer(q: Question, unit: UnitConfig, inbound: Inbound) -> str:
    """The answer to `q` as the join request takes it, or InvalidInputError with what to fix."""
    options = q.options(unit)
    typed = fold(inbound.text)
    if (q.optional or q.multiple) and not inbound.option and typed in SKIP:
        return ""
    if q.multiple:
        parts = [p for p in re.split(r"[,;\s]+|\be\b", typed) if p]
        chosen = (
            [match(options, Inbound(p)) for p in parts] if not inbound.option else [match(options, inbound)]
        )
        if not chosen or None in chosen:
            raise InvalidInputError("Responda com os números da lista, ou 0.")
        return q.check(" ".join(dict.fromkeys(c for c in chosen if c)))
    if options:
        found = match(options, inbound)
        if found is None:
            raise InvalidInputError("Escolha uma das opções da lista, respondendo o número.")
        return q.check(found)
    return q.check(inbound.text)


def problem_text(exc: InvalidInputError) -> str:
    """A refusal in one sentence or two: the message and what to fix ("no máximo 120 caracteres")."""
    fixes = [v for v in (exc.fields or {}).values() if v != "campo obrigatório"]
    return " ".join([exc.message, *(f"{v[0].upper()}{v[1:]}." for v in fixes)])
