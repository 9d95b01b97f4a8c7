"""HTTP route templates as ASP.NET Core (and so the Functions host) reads them.

A template is a `/`-separated list of segments under the host's routePrefix. A segment is literal
text (matched case-insensitively), a parameter `{name}`, or a mix such as `{file}.{ext}`. Parameters
take constraints (`{id:int}`, `{code:alpha:length(3)}`, `{n:range(1,9)}`, `{s:regex(^a.*$)}`), may be
optional in a trailing segment (`{page?}`), may carry a default (`{page=1}`), and the last segment may
be a catch-all (`{*rest}`). Values are percent-decoded.

When several routes match a path, the most specific wins, as in ASP.NET: a literal segment beats a
constrained parameter, which beats a plain one, which beats a catch-all.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Generic, TypeVar
from urllib.parse import unquote

from devhost.errors import FunctionLoadError

T = TypeVar("T")

Predicate = Callable[[str], bool]


def _parses(convert: Callable[[str], object]) -> Predicate:
    def check(value: str) -> bool:
        try:
            convert(value)
        except (ValueError, ArithmeticError, InvalidOperation):
            return False
        return True

    return check


def _int_in(low: int, high: int) -> Predicate:
    def check(value: str) -> bool:
        return re.fullmatch(r"[+-]?\d+", value) is not None and low <= int(value) <= high

    return check


def _finite_float(value: str) -> float:
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(value)
    return number


_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)

_SIMPLE: dict[str, Predicate] = {
    "int": _int_in(*_INT32),
    "long": _int_in(*_INT64),
    "bool": lambda v: v.lower() in ("true", "false"),
    "alpha": lambda v: re.fullmatch(r"[A-Za-z]+", v) is not None,
    "guid": _parses(uuid.UUID),
    "decimal": _parses(Decimal),
    "double": _parses(_finite_float),
    "float": _parses(_finite_float),
    "datetime": _parses(datetime.fromisoformat),
    "required": lambda v: v != "",
}


def _constraint(spec: str, template: str) -> Predicate:
    name, paren, rest = spec.partition("(")
    name = name.strip().lower()
    if not paren:
        if name in _SIMPLE:
            return _SIMPLE[name]
        raise FunctionLoadError(f"route {template!r}: unknown constraint {spec!r}")
    if not rest.endswith(")"):
        raise FunctionLoadError(f"route {template!r}: constraint {spec!r} lacks its closing parenthesis")
    argument = rest[:-1]
    if name == "regex":
        try:
            pattern = re.compile(argument, re.IGNORECASE)
        except re.error as exc:
            raise FunctionLoadError(f"route {template!r}: bad regex {argument!r}: {exc}") from exc
        return lambda v: pattern.search(v) is not None
    try:
        numbers = [int(x) for x in argument.split(",")]
    except ValueError as exc:
        raise FunctionLoadError(f"route {template!r}: constraint {spec!r} needs integers") from exc
    if name == "minlength" and len(numbers) == 1:
        return lambda v: len(v) >= numbers[0]
    if name == "maxlength" and len(numbers) == 1:
        return lambda v: len(v) <= numbers[0]
    if name == "length" and len(numbers) in (1, 2):
        low, high = numbers[0], numbers[-1]
        return lambda v: low <= len(v) <= high
    if name == "min" and len(numbers) == 1:
        return _int_in(numbers[0], _INT64[1])
    if name == "max" and len(numbers) == 1:
        return _int_in(_INT64[0], numbers[0])
    if name == "range" and len(numbers) == 2:
        return _int_in(numbers[0], numbers[1])
    raise FunctionLoadError(f"route {template!r}: unknown constraint {spec!r}")


@dataclass(frozen=True)
class _Parameter:
    name: str
    constraints: tuple[Predicate, ...] = ()
    optional: bool = False
    default: str | None = None
    catch_all: bool = False

    def accepts(self, value: str) -> bool:
        return all(check(value) for check in self.constraints)


@dataclass(frozen=True)
class _Segment:
    parts: tuple[str | _Parameter, ...]
    pattern: re.Pattern[str] | None = None  # for segments mixing text and parameters

    @property
    def parameter(self) -> _Parameter | None:
        """The parameter, when the segment is exactly one parameter."""
        if len(self.parts) == 1 and isinstance(self.parts[0], _Parameter):
            return self.parts[0]
        return None

    @property
    def rank(self) -> int:
        """ASP.NET's route precedence of one segment: lower is more specific."""
        if all(isinstance(p, str) for p in self.parts):
            return 1
        param = self.parameter
        if param is None:
            return 2
        if param.catch_all:
            return 5
        return 3 if param.constraints else 4


def _characters(segment: str) -> list[tuple[str, bool]]:
    """The segment's characters, each with whether it is literal: `{{` and `}}` stand for one brace."""
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(segment):
        escaped = segment.startswith(("{{", "}}"), i)
        out.append((segment[i], escaped))
        i += 2 if escaped else 1
    return out


def _split_parts(segment: str, template: str) -> list[str | _Parameter]:
    parts: list[str | _Parameter] = []
    text: list[str] = []
    chars = _characters(segment)
    i = 0
    while i < len(chars):
        char, literal = chars[i]
        i += 1
        if char == "}" and not literal:
            raise FunctionLoadError(f"route {template!r}: unmatched '}}'")
        if char != "{" or literal:
            text.append(char)
            continue
        depth, body = 0, []
        while i < len(chars):
            c, escaped = chars[i]
            i += 1
            if c == "}" and depth <= 0 and not escaped:
                break
            if not escaped:
                depth += (c == "(") - (c == ")")
            body.append(c)
        else:
            raise FunctionLoadError(f"route {template!r}: unmatched '{{'")
        if text:
            parts.append("".join(text))
            text = []
        parts.append(_parse_parameter("".join(body), template))
    if text:
        parts.append("".join(text))
    return parts


def _split_constraints(spec: str) -> list[str]:
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for char in spec:
        if char == ":" and depth == 0:
            items.append("".join(current))
            current = []
            continue
        depth += char == "("
        depth -= char == ")"
        current.append(char)
    items.append("".join(current))
    return items


def _parse_parameter(body: str, template: str) -> _Parameter:
    catch_all = body.startswith("*")
    body = body.lstrip("*")
    name, *constraint_specs = _split_constraints(body)
    default: str | None = None
    optional = False
    # `?` and `=default` close the parameter, after any constraints.
    last = constraint_specs[-1] if constraint_specs else name
    if "=" in last and not last.rstrip().endswith(")"):
        last, _, default = last.partition("=")
    if last.endswith("?"):
        optional, last = True, last[:-1]
    if constraint_specs:
        constraint_specs[-1] = last
    else:
        name = last
    name = name.strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*", name):
        raise FunctionLoadError(f"route {template!r}: bad parameter name {name!r}")
    constraints = tuple(_constraint(spec, template) for spec in constraint_specs if spec)
    return _Parameter(name, constraints, optional or catch_all, default, catch_all)


@dataclass(frozen=True)
class RouteTemplate:
    """A parsed route template; `match` returns the route values of a path, or None."""

    template: str
    segments: tuple[_Segment, ...]

    @classmethod
    def parse(cls, template: str) -> RouteTemplate:
        stripped = template.strip().strip("/")
        if "?" in stripped.split("{")[0] or "#" in stripped:
            raise FunctionLoadError(f"route {template!r}: a template has no query or fragment")
        segments: list[_Segment] = []
        raw_segments = stripped.split("/") if stripped else []
        for index, raw in enumerate(raw_segments):
            if raw == "":
                raise FunctionLoadError(f"route {template!r}: empty segment")
            parts = tuple(_split_parts(raw, template))
            params = [p for p in parts if isinstance(p, _Parameter)]
            names = [p.name.lower() for s in segments for p in s.parts if isinstance(p, _Parameter)]
            for p in params:
                if p.name.lower() in names:
                    raise FunctionLoadError(f"route {template!r}: parameter {p.name!r} appears twice")
                names.append(p.name.lower())
            if len(parts) == 1 and params:
                param = params[0]
                if param.catch_all and index != len(raw_segments) - 1:
                    raise FunctionLoadError(f"route {template!r}: a catch-all must be the last segment")
                segments.append(_Segment(parts))
                continue
            if any(p.optional or p.catch_all for p in params):
                raise FunctionLoadError(
                    f"route {template!r}: optional and catch-all parameters must fill a whole segment"
                )
            for a, b in itertools.pairwise(parts):
                if isinstance(a, _Parameter) and isinstance(b, _Parameter):
                    raise FunctionLoadError(f"route {template!r}: two parameters need text between them")
            regex = "".join("(.+)" if isinstance(p, _Parameter) else re.escape(p) for p in parts)
            segments.append(_Segment(parts, re.compile(regex, re.IGNORECASE | re.DOTALL)))
        # Once a segment is optional, every later one must be too (ASP.NET's rule).
        seen_optional = False
        for segment in segments:
            whole = segment.parameter
            is_optional = whole is not None and (whole.optional or whole.default is not None)
            if seen_optional and not is_optional:
                raise FunctionLoadError(f"route {template!r}: only trailing segments can be optional")
            seen_optional = seen_optional or is_optional
        return cls(template, tuple(segments))

    @property
    def precedence(self) -> tuple[int, ...]:
        return tuple(segment.rank for segment in self.segments)

    def match(self, path: str) -> dict[str, str] | None:
        """Route values for `path` (relative to the routePrefix, not yet percent-decoded)."""
        raw = path.strip("/")
        pieces = [unquote(piece) for piece in raw.split("/")] if raw else []
        values: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            param = segment.parameter
            if param is not None and param.catch_all:
                rest = "/".join(pieces[index:])
                if rest == "" and param.default is not None:
                    rest = param.default
                if rest and not param.accepts(rest):
                    return None
                if rest:
                    values[param.name] = rest
                return values
            if index >= len(pieces):
                if param is not None and param.default is not None:
                    values[param.name] = param.default
                    continue
                if param is not None and param.optional:
                    continue
                return None
            piece = pieces[index]
            if param is not None:
                if piece == "" or not param.accepts(piece):
                    return None
                values[param.name] = piece
            elif segment.pattern is None:
                literal = segment.parts[0]
                assert isinstance(literal, str)
                if piece.lower() != literal.lower():
                    return None
            else:
                found = segment.pattern.fullmatch(piece)
                if found is None:
                    return None
                params = [p for p in segment.parts if isinstance(p, _Parameter)]
                for group, p in zip(found.groups(), params, strict=True):
                    if not p.accepts(group):
                        return None
                    values[p.name] = group
        return values if len(pieces) <= len(self.segments) else None


@dataclass(frozen=True)
class Route(Generic[T]):
    """A template, the methods it answers (None: every method) and what it leads to."""

    template: RouteTemplate
    methods: frozenset[str] | None
    target: T


@dataclass(frozen=True)
class Resolution(Generic[T]):
    """What a path and method lead to: a target with its route values, or the methods allowed."""

    target: T | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    allowed: frozenset[str] = frozenset()

    @property
    def path_matched(self) -> bool:
        return self.target is not None or bool(self.allowed)


class Router(Generic[T]):
    """Routes ordered by precedence; `resolve` finds the first one matching a path and method."""

    def __init__(self, routes: Iterable[Route[T]] = ()) -> None:
        self._routes: list[Route[T]] = []
        for route in routes:
            self.add(route)

    def add(self, route: Route[T]) -> None:
        self._routes.append(route)
        self._routes.sort(key=lambda r: (r.template.precedence, r.template.template.lower()))

    @property
    def routes(self) -> Sequence[Route[T]]:
        return tuple(self._routes)

    def resolve(self, method: str, path: str) -> Resolution[T]:
        method = method.upper()
        allowed: set[str] = set()
        for route in self._routes:
            values = route.template.match(path)
            if values is None:
                continue
            if route.methods is None or method in route.methods:
                return Resolution(route.target, values)
            allowed.update(route.methods)
        return Resolution(allowed=frozenset(allowed))
