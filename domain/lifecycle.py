"""A lifecycle: a table of the transitions allowed between the statuses of a thing (a ticket, an
appointment). Anything not in the table is refused with InvalidTransitionError, in pt-BR."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from domain.errors import InvalidTransitionError

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


@dataclass(frozen=True)
class Lifecycle(Generic[S, A]):
    """`table[(status, action)]` is the status after `action`. The refusal reads "Não é possível
    {what the action does} {what} {the status}."."""

    table: Mapping[tuple[S, A], S]
    status_labels: Mapping[S, str]
    action_labels: Mapping[A, str]
    what: str  # "uma senha que está", "um agendamento"

    def next(self, current: S, action: A) -> S:
        try:
            return self.table[(current, action)]
        except KeyError:
            raise InvalidTransitionError(
                f"Não é possível {self.action_labels[action]} {self.what} {self.status_labels[current]}.",
                status=current.value,
                action=action.value,
            ) from None
