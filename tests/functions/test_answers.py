"""`answer_of` derives an answer model from a use case's dataclass, generic ones included: a report that
is rows (`Rows[R]`) gets the row type of its argument in every field made of `R`, and the JSON names the
list as the presenter says, so the wire format stays what the pages read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from functions.answers import answer_of, dump, present

R = TypeVar("R")


@dataclass(frozen=True)
class Day:
    count: int


@dataclass(frozen=True)
class Listed(Generic[R]):
    first: R
    rows: list[R]
    total: int


def test_a_generic_dataclass_gives_its_argument_to_every_field_made_of_it() -> None:
    model = answer_of(Listed[Day], "Days", rename={"rows": "days"})
    schema = model.model_json_schema(by_alias=True, mode="serialization")
    assert schema["properties"]["first"] == {"$ref": "#/$defs/Day"}
    assert schema["properties"]["days"]["items"] == {"$ref": "#/$defs/Day"}
    assert schema["properties"]["total"]["type"] == "integer"
    report = Listed(Day(1), [Day(1), Day(2)], 3)
    expected = {"first": {"count": 1}, "days": [{"count": 1}, {"count": 2}], "total": 3}
    assert dump(present(model, report)) == expected
