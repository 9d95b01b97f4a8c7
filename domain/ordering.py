"""The order of service, by Brazilian law (DESIGN §6), as pure functions over the waiting line.

- Order of arrival (Lei 13.460/2017 art. 5 III) with the legal priorities assured:
  super-priority for people aged 80+ (Estatuto da Pessoa Idosa art. 3 §2, Lei 13.466/2017), then the
  priority groups of Lei 10.048/2000 as amended by Lei 14.626/2023, then blood donors (who come after
  all other priority groups, Lei 14.626/2023), then everyone else.
- A companion is served together with the person accompanied (Lei 14.364/2022): companions are counted
  on the holder's ticket and never take a place of their own.
- Default policy `priority_first`: with no dedicated desk, a waiting priority person is the next one
  called when the current attendance ends (Decreto 5.296/2004 art. 6 §2). A court may choose
  `interleave` instead (for example 2 priority calls, then 1 normal call, while both are waiting).
- A citizen with an appointment (Res. 372 art. 4, domain/scheduling.py) enters the line at the
  appointment time in the `SCHEDULED` class, ahead of everyone: the time was promised to them, and the
  legal priorities order the people *waiting* for the next free clerk. Under `interleave` they are
  also called first and do not move the priority/normal cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from domain.errors import InvalidInputError


class PriorityClass(IntEnum):
    """Lower value is served first."""

    SCHEDULED = -1  # an appointment whose time has come (never declared: see domain/scheduling.py)
    SUPER = 0  # aged 80 or more
    PRIORITY = 1  # the groups of Lei 10.048/2000
    DONOR = 2  # blood donors
    NORMAL = 3


class PriorityGround(StrEnum):
    AGED_80 = "idoso_80"
    AGED_60 = "idoso_60"
    DISABILITY = "deficiencia"
    AUTISM = "tea"
    PREGNANT = "gestante"
    BREASTFEEDING = "lactante"
    CHILD_IN_ARMS = "crianca_de_colo"
    OBESE = "obeso"
    REDUCED_MOBILITY = "mobilidade_reduzida"
    BLOOD_DONOR = "doador_de_sangue"


GROUND_CLASS: dict[PriorityGround, PriorityClass] = {
    PriorityGround.AGED_80: PriorityClass.SUPER,
    PriorityGround.AGED_60: PriorityClass.PRIORITY,
    PriorityGround.DISABILITY: PriorityClass.PRIORITY,
    PriorityGround.AUTISM: PriorityClass.PRIORITY,
    PriorityGround.PREGNANT: PriorityClass.PRIORITY,
    PriorityGround.BREASTFEEDING: PriorityClass.PRIORITY,
    PriorityGround.CHILD_IN_ARMS: PriorityClass.PRIORITY,
    PriorityGround.OBESE: PriorityClass.PRIORITY,
    PriorityGround.REDUCED_MOBILITY: PriorityClass.PRIORITY,
    PriorityGround.BLOOD_DONOR: PriorityClass.DONOR,
}

GROUND_LABELS: dict[PriorityGround, str] = {
    PriorityGround.AGED_80: "Pessoa idosa com 80 anos ou mais",
    PriorityGround.AGED_60: "Pessoa idosa (60 anos ou mais)",
    PriorityGround.DISABILITY: "Pessoa com deficiência",
    PriorityGround.AUTISM: "Pessoa com transtorno do espectro autista",
    PriorityGround.PREGNANT: "Gestante",
    PriorityGround.BREASTFEEDING: "Lactante",
    PriorityGround.CHILD_IN_ARMS: "Pessoa com criança de colo",
    PriorityGround.OBESE: "Pessoa obesa",
    PriorityGround.REDUCED_MOBILITY: "Pessoa com mobilidade reduzida",
    PriorityGround.BLOOD_DONOR: "Doador(a) de sangue",
}

CLASS_LABELS: dict[PriorityClass, str] = {
    PriorityClass.SCHEDULED: "Atendimento agendado",
    PriorityClass.SUPER: "Prioridade especial (80+)",
    PriorityClass.PRIORITY: "Prioridade legal",
    PriorityClass.DONOR: "Doador(a) de sangue",
    PriorityClass.NORMAL: "Atendimento geral",
}


def classify(grounds: Iterable[str]) -> PriorityClass:
    """The class of a ticket from the grounds the citizen declared (the most favourable one wins)."""
    best = PriorityClass.NORMAL
    for raw in grounds:
        try:
            ground = PriorityGround(raw)
        except ValueError:
            raise InvalidInputError(
                "Motivo de prioridade desconhecido.", fields={"priority": f"valor não reconhecido: {raw}"}
            ) from None
        best = min(best, GROUND_CLASS[ground])
    return best


@dataclass(frozen=True)
class Policy:
    """How priority and normal calls alternate. `interleave` = (priority calls, normal calls)."""

    mode: str = "priority_first"  # or "interleave"
    priority_calls: int = 2
    normal_calls: int = 1

    def __post_init__(self) -> None:
        if self.mode not in ("priority_first", "interleave"):
            raise InvalidInputError(f"Política de fila desconhecida: {self.mode}.")
        if self.priority_calls < 1 or self.normal_calls < 1:
            raise InvalidInputError("A intercalação precisa de ao menos uma chamada de cada tipo.")


@dataclass(frozen=True)
class Entry:
    """One place in a unit's line. `arrived_ms` is the arrival (kept across transfer and requeue)."""

    short: str
    klass: PriorityClass
    arrived_ms: int
    seq: int
    category: str = ""
    companions: int = 0
    person: str = ""  # keyed hash of the person, for "one active ticket per person per unit"
    absent_since_ms: int = 0  # 0 = present

    @property
    def key(self) -> tuple[int, int, int]:
        return (int(self.klass), self.arrived_ms, self.seq)

    @property
    def is_priority(self) -> bool:
        return self.klass != PriorityClass.NORMAL


def sort_line(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: e.key)


def call_order(line: Sequence[Entry], policy: Policy, cycle: int = 0) -> list[Entry]:
    """The order in which the present entries of `line` (sorted by `sort_line`) will be called.

    `cycle` is the interleave position kept in the unit's state (see `_take`). Absent entries keep
    their place in `line` but are not called, so they are left out here.
    """
    present = [e for e in line if not e.absent_since_ms]
    if policy.mode == "priority_first":
        return present
    order = [e for e in present if e.klass == PriorityClass.SCHEDULED]
    present = [e for e in present if e.klass != PriorityClass.SCHEDULED]
    priority = [e for e in present if e.is_priority]
    normal = [e for e in present if not e.is_priority]
    pi = ni = 0
    while pi < len(priority) or ni < len(normal):
        take_priority, cycle = _take(policy, cycle, pi < len(priority), ni < len(normal))
        if take_priority:
            order.append(priority[pi])
            pi += 1
        else:
            order.append(normal[ni])
            ni += 1
    return order


def _take(policy: Policy, cycle: int, has_priority: bool, has_normal: bool) -> tuple[bool, int]:
    """Interleave: slots 0..p-1 of a cycle of p+n calls go to priority, the rest to normal.

    When the wanted kind is not waiting the other is served and the cycle restarts, so that a priority
    person arriving next is never made to wait behind normal slots that were not needed.
    """
    wants_priority = cycle < policy.priority_calls
    if wants_priority and has_priority:
        return True, (cycle + 1) % (policy.priority_calls + policy.normal_calls)
    if not wants_priority and has_normal:
        return False, (cycle + 1) % (policy.priority_calls + policy.normal_calls)
    return has_priority, 0


def next_cycle(cycle: int, called: Entry, line: Sequence[Entry], policy: Policy) -> int:
    """The interleave position after the head of `call_order(line, policy, cycle)` was called."""
    if policy.mode != "interleave":
        return 0
    if called.klass == PriorityClass.SCHEDULED:
        return cycle
    present = [
        e
        for e in line
        if not e.absent_since_ms and e.short != called.short and e.klass != PriorityClass.SCHEDULED
    ]
    has_priority = called.is_priority or any(e.is_priority for e in present)
    has_normal = not called.is_priority or any(not e.is_priority for e in present)
    _, cycle = _take(policy, cycle, has_priority, has_normal)
    return cycle
