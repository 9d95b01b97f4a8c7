"""The answers of the HTTP API: one pydantic model per answer, which both makes the JSON and describes
it in the OpenAPI document (functions/openapi.py). camelCase keys (aliases), URLs and ISO 8601 texts are
made here, from the dataclasses the use cases return.

A use case's dataclass is the one definition of its answer: `answer_of` derives the model from it
(same fields, same order; nested dataclasses are serialized as they are, with camelCase keys), adding
what only the edge knows (URLs, constants) and renaming what JSON cannot name in Python (`from`).
`present(Model, source, ...)` fills a model from the attributes of the same names; what the source
lacks is left out of the JSON, so optional keys appear exactly when the use case has them (`omit_none`
leaves out, too, the fields that are None). Instants are ISO 8601 with the offset (`Z` in UTC).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Collection, Mapping
from types import MappingProxyType
from typing import Any, TypeVar, cast

from azure.functions import HttpResponse
from pydantic import AliasGenerator, BaseModel, ConfigDict, Field, create_model
from pydantic.alias_generators import to_camel

from functions.http_errors import ok

M = TypeVar("M", bound=BaseModel)
# Caching of answers: a person's own answers (their ticket's token, a clerk's queue) are never stored by
# a browser or proxy; what a page polls with If-None-Match is stored but asked again each time.
NO_STORE: Mapping[str, str] = MappingProxyType({"Cache-Control": "no-store"})
NO_CACHE: Mapping[str, str] = MappingProxyType({"Cache-Control": "no-cache"})


class Answer(BaseModel):
    """An answer's fields in snake_case; its JSON keys in camelCase (unless a field says otherwise)."""

    model_config = ConfigDict(
        populate_by_name=True, alias_generator=AliasGenerator(serialization_alias=to_camel)
    )


def present(model: type[M], source: object = None, *, omit_none: Collection[str] = (), **fields: Any) -> M:
    """`model` from `fields` and from the attributes of `source` with the names of its fields."""
    unknown = set(fields) - set(model.model_fields)
    if unknown:
        raise TypeError(f"{model.__name__} has no fields {sorted(unknown)}")
    values: dict[str, Any] = {}
    for name in model.model_fields:
        if name in fields:
            value = fields[name]
        elif source is not None and hasattr(source, name):
            value = getattr(source, name)
        else:
            continue
        if value is not None or name not in omit_none:
            values[name] = value
    return model.model_validate(values, from_attributes=True)


def answer_of(
    source: type,
    name: str = "",
    *,
    add: Mapping[str, tuple[Any, str]] | None = None,
    drop: Collection[str] = (),
    optional: Collection[str] = (),
    types: Mapping[str, Any] | None = None,
    rename: Mapping[str, str] | None = None,
) -> type[Answer]:
    """The answer model of the dataclass `source`: its fields in order, but `drop`; `add` fields
    (name → (type, the field it follows, or "" for the end)); `types` and `rename` (JSON key) per field;
    `optional` fields may be left out. `source` may be a generic dataclass with its arguments
    (`Rows[DayFigures]`)."""
    hints = hints_of(source)
    source = typing.get_origin(source) or source
    extra, types, rename = dict(add or {}), dict(types or {}), dict(rename or {})
    fields: dict[str, Any] = {}

    def field(key: str, annotation: Any) -> None:
        default = None if key in optional else ...
        info = Field(default, serialization_alias=rename[key]) if key in rename else Field(default)
        fields[key] = (annotation | None if key in optional else annotation, info)

    for f in dataclasses.fields(source):
        if f.name not in drop:
            field(f.name, types.get(f.name, hints[f.name]))
        for key, (annotation, after) in extra.items():
            if after == f.name:
                field(key, annotation)
    for key, (annotation, after) in extra.items():
        if not after:
            field(key, annotation)
    return cast(type[Answer], create_model(name or source.__name__, __base__=Answer, **fields))


def hints_of(source: Any) -> dict[str, Any]:
    """The field types of a dataclass, or of a generic one with its arguments put in place."""
    origin = typing.get_origin(source)
    if origin is None:
        return typing.get_type_hints(source)
    given = dict(zip(origin.__parameters__, typing.get_args(source), strict=True))

    def put(hint: Any) -> Any:  # `R` itself, or a type made of it (`list[R]`), with the argument given
        if isinstance(hint, TypeVar):
            return given[hint]
        parameters = getattr(hint, "__parameters__", ())
        return hint[tuple(given[p] for p in parameters)] if parameters else hint

    return {name: put(hint) for name, hint in typing.get_type_hints(origin).items()}


def dump(answer: BaseModel) -> dict[str, Any]:
    """The JSON object of an answer: camelCase keys, only the fields its presenter set."""
    return answer.model_dump(mode="json", by_alias=True, exclude_unset=True)


def respond(answer: BaseModel, status: int = 200, headers: Mapping[str, str] | None = None) -> HttpResponse:
    """The HTTP answer of a model (application/json, UTF-8)."""
    return ok(dump(answer), status=status, headers=headers)


def created(answer: BaseModel, location: str, status: int = 201) -> HttpResponse:
    """The answer for a new resource (201, or 202 when it is still on its way): its URL in `Location`,
    kept by no cache (it carries the citizen's token)."""
    return respond(answer, status, headers={"Location": location, **NO_STORE})


class Problem(Answer):
    """RFC 9457 problem details, in pt-BR."""

    type: str
    title: str
    status: int
    detail: str = ""
    errors: dict[str, str] | None = Field(default=None, description="Campo → problema encontrado")
    next_opening: str | None = None
    alternatives: list[str] | None = None


class Status(Answer):
    status: str


class MeetingRetried(Status):
    meeting: str
