"""Function indexing: read each function's bindings the way the Functions host receives them.

`app.get_functions()` may be called only once per app object (a second call raises on "duplicate"
names), so `index_app` calls it once and keeps plain `FunctionSpec` records. Bindings are read from
the function.json form the worker sends to the host (`Function.get_raw_bindings()`), so what the dev
host serves is exactly what Azure would see. Parameter names are checked against binding names as the
Python worker checks them, so a typo fails here rather than after deployment.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from devhost import host_rules
from devhost.errors import FunctionLoadError

log = logging.getLogger("devhost")

HTTP_TRIGGER = "httpTrigger"
QUEUE_TRIGGER = "queueTrigger"
TIMER_TRIGGER = "timerTrigger"
EVENT_GRID_TRIGGER = "eventGridTrigger"  # delivered through the webhook (devhost/eventgrid.py)
SUPPORTED_TRIGGERS = frozenset({HTTP_TRIGGER, QUEUE_TRIGGER, TIMER_TRIGGER, EVENT_GRID_TRIGGER})
RETURN = "$return"


class _AzureFunction(Protocol):
    """The parts of `azure.functions.decorators.function_app.Function` the host uses."""

    def get_function_name(self) -> str | None: ...

    def get_raw_bindings(self) -> list[str]: ...

    def get_user_function(self) -> Callable[..., Any]: ...


class FunctionSource(Protocol):
    """A `FunctionApp` (or anything with the same `get_functions`)."""

    def get_functions(self) -> Iterable[Any]: ...


@dataclass(frozen=True)
class BindingSpec:
    """One binding as function.json states it (`data` is the whole entry, camelCase keys)."""

    name: str
    type: str
    direction: str  # "IN", "OUT" or "INOUT"
    data: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


@dataclass(frozen=True)
class FunctionSpec:
    """A function the host can trigger."""

    name: str
    trigger: BindingSpec
    bindings: tuple[BindingSpec, ...]
    func: Callable[..., Any]
    is_async: bool
    context_param: str | None = None

    @property
    def trigger_type(self) -> str:
        return self.trigger.type

    @property
    def inputs(self) -> tuple[BindingSpec, ...]:
        return tuple(b for b in self.bindings if b is not self.trigger and b.direction != "OUT")

    @property
    def outputs(self) -> tuple[BindingSpec, ...]:
        return tuple(b for b in self.bindings if b.direction in ("OUT", "INOUT") and b is not self.trigger)


def index_app(app: FunctionSource) -> list[FunctionSpec]:
    """Index every function of `app` (calls `app.get_functions()` exactly once)."""
    return load_functions(app.get_functions())


def load_functions(functions: Iterable[_AzureFunction]) -> list[FunctionSpec]:
    """Load every function, refusing what the Functions host refuses (`devhost.host_rules`)."""
    loaded = [_load(function) for function in functions]
    host_rules.check_names([spec.name for spec in loaded])
    host_rules.check_http(
        host_rules.HttpFunction(spec.name, spec.trigger.get("route"), _methods(spec))
        for spec in loaded
        if spec.trigger_type == HTTP_TRIGGER
    )
    specs: list[FunctionSpec] = []
    for spec in loaded:
        if spec.trigger_type not in SUPPORTED_TRIGGERS:
            log.warning(
                "Function %r has a %s trigger, which the dev host does not run; skipped",
                spec.name,
                spec.trigger_type,
            )
            continue
        for binding in spec.inputs:
            log.warning(
                "Function %r has a %s input binding %r, which the dev host does not emulate; it gets None",
                spec.name,
                binding.type,
                binding.name,
            )
        specs.append(spec)
    return specs


def _methods(spec: FunctionSpec) -> frozenset[str] | None:
    methods = spec.trigger.get("methods")
    return frozenset(str(m).upper() for m in methods) if methods else None


def _load(function: _AzureFunction) -> FunctionSpec:
    name = function.get_function_name() or "?"
    bindings = tuple(_binding(name, raw) for raw in function.get_raw_bindings())
    triggers = [b for b in bindings if b.type.lower().endswith("trigger")]
    if len(triggers) != 1:
        raise FunctionLoadError(f"function {name!r} must have exactly one trigger, has {len(triggers)}")
    func = function.get_user_function()
    context_param = _check_parameters(name, func, bindings)
    is_async = inspect.iscoroutinefunction(func)
    return FunctionSpec(name, triggers[0], bindings, func, is_async, context_param)


def _binding(function_name: str, raw: str) -> BindingSpec:
    data = json.loads(raw)
    try:
        return BindingSpec(
            str(data["name"]), str(data["type"]), str(data.get("direction", "IN")).upper(), data
        )
    except KeyError as exc:
        raise FunctionLoadError(f"function {function_name!r}: binding without {exc}") from exc


def _check_parameters(name: str, func: Callable[..., Any], bindings: tuple[BindingSpec, ...]) -> str | None:
    """Mirror the Python worker: every parameter is a binding (or the context) and vice versa."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        raise FunctionLoadError(f"function {name!r}: cannot read its signature: {exc}") from exc
    params = dict(signature.parameters)
    context_param: str | None = None
    for pname, param in params.items():
        annotation = param.annotation
        annotation_name = getattr(annotation, "__name__", str(annotation))
        if pname == "context" or annotation_name == "Context" or str(annotation).endswith("func.Context"):
            context_param = pname
    binding_names = {b.name for b in bindings if b.name != RETURN}
    python_names = {p for p in params if p != context_param}
    extra = python_names - binding_names
    if extra:
        raise FunctionLoadError(
            f"cannot load the {name} function: the following parameters are declared in Python "
            f"but not in the bindings: {sorted(extra)}"
        )
    missing = binding_names - python_names
    if missing:
        raise FunctionLoadError(
            f"cannot load the {name} function: the following parameters are declared in the bindings "
            f"but not in Python: {sorted(missing)}"
        )
    return context_param
