"""`view_of`: a view's fields come from the record's attributes of the same names, but what the use case
computes; a computed value for a field the view lacks is refused (it would let the record's value stand)."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from domain.usecases.views import view_of


@dataclass(frozen=True)
class Shown:
    id: str
    name: str
    court: str


RECORD = SimpleNamespace(id="u1", name="1ª Vara", court="trf1", secret="never shown")


def test_same_named_fields_come_from_the_record_and_computed_ones_win() -> None:
    assert view_of(Shown, RECORD) == Shown("u1", "1ª Vara", "trf1")
    assert view_of(Shown, RECORD, court="Tribunal Regional Federal") == Shown(
        "u1", "1ª Vara", "Tribunal Regional Federal"
    )


def test_a_misspelt_computed_field_is_refused_not_silently_replaced_by_the_records() -> None:
    with pytest.raises(TypeError, match="cuort"):
        view_of(Shown, RECORD, cuort="Tribunal Regional Federal")


def test_a_field_the_record_lacks_must_be_computed() -> None:
    with pytest.raises(AttributeError):
        view_of(Shown, SimpleNamespace(id="u1", name="1ª Vara"))
    assert view_of(Shown, SimpleNamespace(id="u1", name="x"), court="c").court == "c"
