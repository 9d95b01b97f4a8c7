"""Who a citizen says they are (joining the queue, booking, writing to the asynchronous channel): the
fields, their limits and their validation, written once.

`NAME_MAX` is 120 characters: Brazilian civil names, with several surnames and particles ("de", "da",
"dos"), fit well within it, and a name is shown on one line of the clerk's console and of the audit
trail. The request schemas (functions/bodies.py) use the same constants, so the API description and
the use cases cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from domain.config import UnitConfig
from domain.errors import InvalidInputError
from domain.tokens import KeyRing
from domain.validation import clean_text, normalize_oab, normalize_process_number, person_fingerprint

NAME_MAX = 120
REASON_ID_MAX = 80  # a reason or category id of the unit's lists
CLERK_REASON_MAX = 200  # what a clerk types to explain a call out of order, a requeue, a transfer
COMMENT_MAX = 1000  # the survey's comment
ACCESSIBILITY_NOTE_MAX = 200  # "another need", in the citizen's words
REPLY_MAX = 5000  # a clerk's reply on the asynchronous channel
ROLES = {"parte": "Parte", "advogado": "Advogado(a)", "outro": "Outro"}

T = TypeVar("T")


@dataclass(frozen=True)
class Person:
    """Who a citizen is, validated and normalized (OAB and CNJ number in their canonical forms)."""

    name: str
    role: str
    reason: str
    oab_number: str = ""
    oab_state: str = ""
    process_number: str = ""

    @property
    def oab(self) -> str:
        return f"{self.oab_number}{self.oab_state}"


@dataclass(frozen=True)
class PersonInput(Person):
    """What a citizen types about themselves (not validated yet). `consent` is still read from older
    clients and ignored: the legal basis is the public service, not consent (domain/privacy.py)."""

    consent: bool = field(default=False, kw_only=True)


def record_of(person: Person) -> dict[str, str]:
    """A person's fields as they are stored (tickets, appointments, messages) and queued."""
    return {
        "name": person.name,
        "role": person.role,
        "oabNumber": person.oab_number,
        "oabState": person.oab_state,
        "processNumber": person.process_number,
        "reason": person.reason,
    }


def person_of(record: Mapping[str, Any]) -> Person:
    """The person of a stored record (or queued message)."""
    return Person(
        str(record.get("name", "")),
        str(record.get("role", "")),
        str(record.get("reason", "")),
        str(record.get("oabNumber", "")),
        str(record.get("oabState", "")),
        str(record.get("processNumber", "")),
    )


@dataclass
class Problems:
    """The problems found in a request, by field, in the order they were found."""

    fields: dict[str, str] = field(default_factory=dict)

    def check(self, run: Callable[[], T], key: str, default: T) -> T:
        """`run()`, or `default` with its InvalidInputError recorded."""
        try:
            return run()
        except InvalidInputError as exc:
            self.fields.update(exc.fields or {key: exc.message})
            return default

    def add(self, key: str, problem: str) -> None:
        self.fields[key] = problem

    def raise_if_any(self) -> None:
        if self.fields:
            first = next(iter(self.fields))
            raise InvalidInputError(f"Verifique os dados informados ({first}).", fields=self.fields)


def check_name(raw: str) -> str:
    """The citizen's name as it will be stored, or InvalidInputError (empty, over `NAME_MAX`)."""
    return clean_text(raw, field="name", label="seu nome", max_len=NAME_MAX, required=True)


def check_person(unit: UnitConfig, data: PersonInput, problems: Problems) -> Person:
    """The person's fields, validated; problems are recorded."""
    name = problems.check(lambda: check_name(data.name), "name", "")
    if data.role not in ROLES:
        problems.add("role", "escolha parte, advogado ou outro")
    oab = ("", "")
    if data.role == "advogado":
        oab = problems.check(lambda: normalize_oab(data.oab_number, data.oab_state), "oab", oab)
    process = ""
    if data.process_number.strip():
        process = problems.check(lambda: normalize_process_number(data.process_number), "processNumber", "")
    if data.reason not in {r.id for r in unit.reasons}:
        problems.add("reason", "escolha um dos assuntos da lista")
    return Person(name, data.role, data.reason, oab[0], oab[1], process)


def person_key(keys: KeyRing, unit_id: str, person: Person) -> str:
    """The keyed hash of "the same person" in a unit (name, role and OAB; accents and case ignored)."""
    return keys.fingerprint(f"{unit_id}|{person_fingerprint(person.name, person.role, person.oab)}")


def oab_text(record: Mapping[str, Any]) -> str:
    """`OAB/AC 1234` from a stored record's fields, "" without an OAB number."""
    return f"OAB/{record['oabState']} {record['oabNumber']}" if record.get("oabNumber") else ""


def reason_label(unit: UnitConfig, reason: object, otherwise: str | None = None) -> str:
    """The label of one of the unit's reasons; when it is no longer on the list, `otherwise` (by default
    the id itself)."""
    found = next((r.label for r in unit.reasons if r.id == reason), None)
    if found is not None:
        return found
    return str(reason or "") if otherwise is None else otherwise
