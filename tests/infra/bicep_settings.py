"""Render the Function App's app settings from the Bicep in infra/, offline.

pycep-parser (the Bicep parser that checkov itself uses) turns each .bicep file into JSON. This module
evaluates the part of the Bicep language that infra/ uses to build the Function App's
`siteConfig.appSettings`: parameters and their defaults, variables, for-expressions, object and array
literals, string interpolation, the conditional operator, `filter` lambdas and a handful of functions
(concat, union, contains, empty, replace, split, trim, join, loadJsonContent, ...). The module call in
main.bicep gives the parameters of modules/functionapp.bicep, so the rendering follows the same path as a
deployment, including the units' webhook settings read from infra/config/balcao.json.

What only Azure knows at deployment time (resource properties, module outputs, uniqueString(),
subscription(), environment()) stays symbolic, rendered as `<keyVault.outputs.uri>` and the like. An
expression this renderer does not understand raises `RenderError` instead of being guessed.

pycep lives in the infra virtualenv (.venv-infra, `make install-infra`), never in the project venv, so
parsing runs there in a subprocess. Without that venv every caller fails with a message saying so.

One limitation comes from pycep's JSON: a string literal and a reference to a name are both plain JSON
strings. A plain string is read as a reference when a loop variable, parameter, variable, resource or
module of that name is in scope, and as a literal otherwise; keep app-setting literals distinct from
symbol names. Multi-line ('''...''') strings are not interpolated by Bicep, but look the same in pycep's
JSON; none is used in app settings.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
MAIN_BICEP = INFRA / "main.bicep"
FUNCTION_APP_BICEP = INFRA / "modules" / "functionapp.bicep"
INFRA_VENV = REPO / ".venv-infra"
FUNCTION_APP_MODULE = "functionApp"  # the module symbol in main.bicep

INSTALL_HINT = (
    "the infrastructure tools are not installed: run `make install-infra` "
    "(python3 -m venv .venv-infra && .venv-infra/bin/pip install -r requirements-infra.txt)"
)


class InfraToolsMissingError(AssertionError):
    """The infra venv (pycep-parser, checkov) is missing; tests fail with this, they never skip."""


class RenderError(AssertionError):
    """The Bicep uses an expression this renderer cannot evaluate."""


def infra_tool(name: str) -> Path:
    """Path of an executable of the infra venv (`python`, `checkov`), or InfraToolsMissingError."""
    path = INFRA_VENV / "bin" / name
    if not path.exists():
        raise InfraToolsMissingError(f"{path} not found; {INSTALL_HINT}")
    return path


# pycep returns a reference to a name as a `BicepElement` (a str subclass) and a string literal as a
# plain str; JSON would lose the difference, so references are written as {"$ref": name}.
_PARSE_SCRIPT = """
import json, sys
from pathlib import Path
from pycep import BicepParser
from pycep.transformer import BicepElement

def tag(node):
    if isinstance(node, BicepElement):
        return {"$ref": str(node)}
    if isinstance(node, dict):
        return {str(k): tag(v) for k, v in node.items()}
    if isinstance(node, list):
        return [tag(v) for v in node]
    return node

parser = BicepParser()
out = {}
for name in sys.argv[1:]:
    try:
        out[name] = {"ok": True, "json": tag(parser.parse(file_path=Path(name)))}
    except Exception as exc:  # reported per file by the caller
        out[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
json.dump(out, sys.stdout, default=str)
"""


@functools.cache
def _parse(paths: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    python = infra_tool("python")
    proc = subprocess.run(
        [str(python), "-c", _PARSE_SCRIPT, *paths], capture_output=True, text=True, timeout=120, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(f"pycep subprocess failed ({proc.returncode}): {proc.stderr[-2000:]}")
    result: dict[str, dict[str, Any]] = json.loads(proc.stdout)
    return result


def parse_bicep_files(paths: list[Path]) -> dict[Path, dict[str, Any]]:
    """Parse each file with pycep in the infra venv: {path: {"ok": bool, "json" | "error": ...}}."""
    raw = _parse(tuple(str(p) for p in paths))
    return {Path(k): v for k, v in raw.items()}


def parse_bicep(path: Path) -> dict[str, Any]:
    """pycep's JSON for one file; AssertionError with pycep's message if it does not parse."""
    entry = parse_bicep_files([path])[path]
    if not entry["ok"]:
        raise AssertionError(f"{path.relative_to(REPO)} does not parse: {entry['error']}")
    parsed: dict[str, Any] = entry["json"]
    return parsed


# --------------------------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Unresolved:
    """A value known only in Azure at deployment time, e.g. a module output."""

    text: str

    def __str__(self) -> str:
        return f"<{self.text}>"

    def attr(self, name: str) -> Unresolved:
        return Unresolved(f"{self.text}.{name}")


def _render(value: Any) -> str:
    """A value as it would appear inside a string (ARM's string() for non-strings)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Unresolved):
        return str(value)
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, separators=(",", ":"), default=str)


def _known(value: Any, what: str) -> Any:
    if isinstance(value, Unresolved):
        raise RenderError(f"{what} depends on {value}, known only at deployment time")
    return value


class Scope:
    """Names visible in one Bicep file: loop/lambda locals, params, vars, resources and modules."""

    def __init__(
        self,
        parsed: Mapping[str, Any],
        base_dir: Path,
        params: Mapping[str, Any],
        load_json: Callable[[Path], Any],
    ) -> None:
        self.parsed = parsed
        self.base_dir = base_dir
        self.params = dict(params)
        self.load_json = load_json
        self.var_defs: dict[str, Any] = {k: v["value"] for k, v in parsed.get("variables", {}).items()}
        self.symbols = set(parsed.get("resources", {})) | set(parsed.get("modules", {}))
        self._vars: dict[str, Any] = {}
        self._evaluating: set[str] = set()

    def lookup(self, name: str, local: Mapping[str, Any]) -> tuple[bool, Any]:
        if name in local:
            return True, local[name]
        if name in self.params:
            return True, self.params[name]
        if name in self.var_defs:
            return True, self._var(name)
        if name in self.symbols:
            return True, Unresolved(name)
        return False, None

    def _var(self, name: str) -> Any:
        if name not in self._vars:
            if name in self._evaluating:
                raise RenderError(f"variable {name} refers to itself")
            self._evaluating.add(name)
            try:
                self._vars[name] = self.eval(self.var_defs[name], {})
            finally:
                self._evaluating.discard(name)
        return self._vars[name]

    # -- expressions ------------------------------------------------------------------------------------

    def eval(self, node: Any, local: Mapping[str, Any]) -> Any:
        if isinstance(node, str):
            return self._interpolate(node, local) if "${" in node else node
        if node is None or isinstance(node, (bool, int, float)):
            return node
        if isinstance(node, list):
            return [self.eval(item, local) for item in node]
        if isinstance(node, dict):
            if set(node) == {"$ref"}:
                found, value = self.lookup(node["$ref"], local)
                if not found:
                    raise RenderError(f"unknown name {node['$ref']}")
                return value
            if "loop_type" in node:
                return self._loop(node, local)
            if set(node) == {"function"}:
                return self._function(node["function"], local)
            if set(node) == {"operator"}:
                return self._operator(node["operator"], local)
            return {_unquote(key): self.eval(value, local) for key, value in node.items()}
        raise RenderError(f"unexpected node {node!r}")

    def _loop(self, node: Mapping[str, Any], local: Mapping[str, Any]) -> list[Any]:
        loop = node["loop_type"]
        if loop["type"] != "array":
            raise RenderError(f"unsupported loop {loop!r}")
        item = _name(loop["detail"]["item_name"])
        items = _known(self.eval(loop["detail"]["array_name"], local), "a for-expression")
        if not isinstance(items, list):
            raise RenderError(f"for-expression over a non-array: {items!r}")
        out = []
        for element in items:
            inner = {**local, item: element}
            if node.get("condition") is not None and not _known(self.eval(node["condition"], inner), "if"):
                continue
            out.append(self.eval(node["config"], inner))
        return out

    def _operator(self, op: Mapping[str, Any], local: Mapping[str, Any]) -> Any:
        kind, operands = op["type"], op["operands"]
        if kind == "property_accessor":
            value = self.eval(operands["operand_1"], local)
            rest = operands["operand_2"]
            while isinstance(rest, dict) and rest.get("operator", {}).get("type") == "property_accessor":
                value = _property(value, _name(rest["operator"]["operands"]["operand_1"]))
                rest = rest["operator"]["operands"]["operand_2"]
            return _property(value, _name(rest))
        if kind == "index_accessor":
            value = self.eval(operands["operand_1"], local)
            index = self.eval(operands["operand_2"], local)
            if isinstance(value, Unresolved) or isinstance(index, Unresolved):
                return Unresolved(f"{value}[{_render(index)}]")
            return value[index]
        if kind == "conditional":
            condition = _known(self.eval(operands["condition"], local), "a conditional")
            branch = operands["true_value"] if condition else operands["false_value"]
            return self.eval(branch, local)
        if kind == "not":
            return not _known(self.eval(operands["bool_value"], local), "'!'")
        if kind in ("and", "or", "equals", "not_equals"):
            values = [_known(self.eval(v, local), kind) for v in operands.values()]
            if kind == "and":
                return all(values)
            if kind == "or":
                return any(values)
            return (values[0] == values[1]) == (kind == "equals")
        raise RenderError(f"unsupported operator {kind}")

    def _function(self, fn: Mapping[str, Any], local: Mapping[str, Any]) -> Any:
        kind = fn["type"]
        params = fn.get("parameters") or {}
        if kind == "filter":
            items = _known(self.eval(params["input_array"], local), "filter()")
            name = _name(params["input_element"])
            result: Any = [
                x for x in items if _known(self.eval(params["expression"], {**local, name: x}), "filter()")
            ]
        elif kind == "load_json_content":
            result = self.load_json(self.base_dir / _name(params["file_path"]))
        elif kind in _SYMBOLIC:
            result = Unresolved(f"{_SYMBOLIC[kind]}()")
        else:
            args = [self.eval(v, local) for v in params.values() if v is not None]
            impl = _FUNCTIONS.get(kind)
            if impl is None:
                raise RenderError(f"unsupported function {kind}()")
            result = impl(*args)
        if fn.get("property_name"):
            result = _property(result, _name(fn["property_name"]))
        return result

    # -- string interpolation -----------------------------------------------------------------------------

    def _interpolate(self, text: str, local: Mapping[str, Any]) -> Any:
        parts: list[Any] = []
        pos = 0
        while (start := text.find("${", pos)) != -1:
            end = _closing_brace(text, start + 2)
            parts.append(text[pos:start])
            parts.append(_ExprParser(text[start + 2 : end], self, local).parse())
            pos = end + 1
        parts.append(text[pos:])
        return "".join(_render(p) for p in parts)


def _name(node: Any) -> str:
    """A name (property, loop variable) whether pycep gave it as a reference or a plain string."""
    if isinstance(node, dict) and set(node) == {"$ref"}:
        return str(node["$ref"])
    if isinstance(node, str):
        return node
    raise RenderError(f"expected a name, found {node!r}")


def _unquote(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == "'" else key


def _property(value: Any, name: str) -> Any:
    if isinstance(value, Unresolved):
        return value.attr(name)
    if isinstance(value, Mapping):
        if name not in value:
            raise RenderError(f"property {name} missing in {value!r}")
        return value[name]
    raise RenderError(f"property {name} of non-object {value!r}")


def _closing_brace(text: str, pos: int) -> int:
    depth, quoted = 0, False
    for i in range(pos, len(text)):
        ch = text[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "{":
            depth += 1
        elif not quoted and ch == "}":
            if depth == 0:
                return i
            depth -= 1
    raise RenderError(f"unterminated interpolation in {text!r}")


_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<num>\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<sym>[().,\[\]]))"
)


class _ExprParser:
    """The expressions found inside ${...}: names, literals, calls, `.name` and `[index]`."""

    def __init__(self, text: str, scope: Scope, local: Mapping[str, Any]) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text.rstrip()):
            m = _TOKEN.match(text, pos)
            if not m:
                raise RenderError(f"unsupported interpolation ${{{text}}}")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0
        self.scope, self.local, self.text = scope, local, text

    def parse(self) -> Any:
        value = self._postfix()
        if self.i != len(self.tokens):
            raise RenderError(f"unsupported interpolation ${{{self.text}}}")
        return value

    def _next(self) -> tuple[str, str]:
        if self.i >= len(self.tokens):
            raise RenderError(f"unsupported interpolation ${{{self.text}}}")
        self.i += 1
        return self.tokens[self.i - 1]

    def _peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def _postfix(self) -> Any:
        value = self._primary()
        while self._peek() in (".", "["):
            if self._next()[1] == ".":
                value = _property(value, self._next()[1])
            else:
                index = self._postfix()
                if self._next()[1] != "]":
                    raise RenderError(f"unsupported interpolation ${{{self.text}}}")
                value = (
                    Unresolved(f"{value}[{_render(index)}]")
                    if isinstance(value, Unresolved)
                    else value[index]
                )
        return value

    def _primary(self) -> Any:
        kind, tok = self._next()
        if kind == "str":
            return tok[1:-1].replace("\\'", "'")
        if kind == "num":
            return int(tok)
        if kind != "name":
            raise RenderError(f"unsupported interpolation ${{{self.text}}}")
        if self._peek() == "(":
            self._next()
            args: list[Any] = []
            while self._peek() != ")":
                args.append(self._postfix())
                if self._peek() == ",":
                    self._next()
            self._next()
            return _call_by_name(tok, args)
        found, value = self.scope.lookup(tok, self.local)
        if not found:
            raise RenderError(f"unknown name {tok} in ${{{self.text}}}")
        return value


def _union(*args: Any) -> Any:
    if all(isinstance(a, list) for a in args):
        out: list[Any] = []
        for a in args:
            out.extend(x for x in a if x not in out)
        return out
    if all(isinstance(a, Mapping) for a in args):
        merged: dict[str, Any] = {}
        for a in args:
            merged.update(a)
        return merged
    raise RenderError(f"union() of {args!r}")


def _concat(*args: Any) -> Any:
    if all(isinstance(a, list) for a in args):
        return [x for a in args for x in a]
    return "".join(_render(a) for a in args)


def _contains(container: Any, item: Any) -> bool:
    _known(container, "contains()")
    return item in container


def _empty(value: Any) -> bool:
    _known(value, "empty()")
    return value is None or len(value) == 0


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "concat": _concat,
    "union": _union,
    "contains": _contains,
    "empty": _empty,
    "replace": lambda s, old, new: _known(s, "replace()").replace(old, new),
    "split": lambda s, sep: _known(s, "split()").split(sep),
    "trim": lambda s: _known(s, "trim()").strip(),
    "join": lambda items, sep: sep.join(_render(x) for x in _known(items, "join()")),
    "string": _render,
    "to_lower": lambda s: Unresolved(f"toLower({s})") if isinstance(s, Unresolved) else s.lower(),
    "to_upper": lambda s: Unresolved(f"toUpper({s})") if isinstance(s, Unresolved) else s.upper(),
    "take": lambda s, n: Unresolved(f"take({s}, {n})") if isinstance(s, Unresolved) else s[:n],
    "length": lambda x: len(_known(x, "length()")),
    "any": lambda x: x,
}

# Functions whose value only Azure knows; pycep type -> Bicep name.
_SYMBOLIC = {
    "unique_string": "uniqueString",
    "subscription": "subscription",
    "tenant": "tenant",
    "resource_group": "resourceGroup",
    "environment": "environment",
    "deployment": "deployment",
    "guid": "guid",
    "subscription_resource_id": "subscriptionResourceId",
    "resource_id": "resourceId",
    "utc_now": "utcNow",
    "new_guid": "newGuid",
}

_BY_NAME = {
    "concat": "concat",
    "union": "union",
    "contains": "contains",
    "empty": "empty",
    "replace": "replace",
    "split": "split",
    "trim": "trim",
    "join": "join",
    "string": "string",
    "toLower": "to_lower",
    "toUpper": "to_upper",
    "take": "take",
    "length": "length",
    "any": "any",
}


def _call_by_name(name: str, args: list[Any]) -> Any:
    symbolic = {v: k for k, v in _SYMBOLIC.items()}
    if name in symbolic:
        return Unresolved(f"{name}()")
    if name not in _BY_NAME:
        raise RenderError(f"unsupported function {name}() in an interpolation")
    return _FUNCTIONS[_BY_NAME[name]](*args)


# ------------------------------------------------------------------------------------------------ rendering


@dataclass(frozen=True)
class AppSetting:
    name: str
    value: str  # as deployed; values only Azure knows appear as <symbol>
    reads_secure_param: bool  # the value is computed from a @secure() parameter


def _secure_params(parsed: Mapping[str, Any]) -> set[str]:
    """@secure() string parameters (secure objects keep their default: their keys matter, not values)."""
    return {
        name
        for name, decl in parsed.get("parameters", {}).items()
        if decl.get("type") == "string" and any(d.get("type") == "secure" for d in decl.get("decorators", []))
    }


def _bind_params(
    parsed: Mapping[str, Any], scope_for_defaults: Callable[[dict[str, Any]], Scope], given: Mapping[str, Any]
) -> dict[str, Any]:
    """Parameter values: the given one, else the default (itself an expression), else symbolic."""
    values: dict[str, Any] = {}
    for name, decl in parsed.get("parameters", {}).items():
        if name in given:
            values[name] = given[name]
        elif decl.get("default") is None:
            values[name] = Unresolved(f"param {name}")
        else:
            values[name] = scope_for_defaults(values).eval(decl["default"], {})
    return values


def _make_scope(
    path: Path, parsed: Mapping[str, Any], given: Mapping[str, Any], load_json: Callable[[Path], Any]
) -> Scope:
    def scope_for(values: dict[str, Any]) -> Scope:
        return Scope(parsed, path.parent, values, load_json)

    return scope_for(_bind_params(parsed, scope_for, given))


def _main_scope(
    config_path: Path | None, main_params: Mapping[str, Any] | None
) -> tuple[Scope, dict[str, Any]]:
    main = parse_bicep(MAIN_BICEP)

    def load_json(path: Path) -> Any:
        target = config_path if config_path is not None and path.name == "balcao.json" else path
        if not target.exists():
            raise AssertionError(f"{target} not found (loadJsonContent in main.bicep)")
        return json.loads(target.read_text(encoding="utf-8"))

    # Secure parameters get a recognisable stand-in value, so that a setting computed from one shows it.
    given = {name: _SecretMarker(name) for name in _secure_params(main)}
    given.update(main_params or {})
    return _make_scope(MAIN_BICEP, main, given, load_json), main


def _module_config(main: Mapping[str, Any], module: str) -> dict[str, Any]:
    """A module's body in main.bicep; a conditional one (`= if (...) {...}`) nests it under `config`."""
    if module not in main.get("modules", {}):
        raise AssertionError(f"main.bicep has no module {module}")
    config = main["modules"][module]["config"]
    return dict(config["config"]) if "condition" in config else dict(config)


def module_deployed(
    module: str, config_path: Path | None = None, main_params: Mapping[str, Any] | None = None
) -> bool:
    """Whether main.bicep deploys the module with these parameters (its `if`, evaluated; True without)."""
    scope, main = _main_scope(config_path, main_params)
    _module_config(main, module)
    config = main["modules"][module]["config"]
    return "condition" not in config or bool(_known(scope.eval(config["condition"], {}), "a module's if"))


def render_module_params(
    module: str, config_path: Path | None = None, main_params: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The parameters main.bicep passes to one of its modules (by module symbol), evaluated."""
    scope, main = _main_scope(config_path, main_params)
    return {k: scope.eval(v, {}) for k, v in _module_config(main, module)["params"].items()}


def render_module_resources(
    module: str, config_path: Path | None = None, main_params: Mapping[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """Each resource a module of main.bicep declares (by module symbol), by its symbol: `type`,
    `existing` and its evaluated config (`name`, `location`, `properties`, ...), with the parameters
    main.bicep passes it (main_params overrides main.bicep's parameter values)."""
    scope, main = _main_scope(config_path, main_params)
    declared = main["modules"].get(module, {})
    params = {k: scope.eval(v, {}) for k, v in _module_config(main, module)["params"].items()}
    path = (MAIN_BICEP.parent / _name(declared["detail"]["path"])).resolve()
    parsed = parse_bicep(path)
    for name in _secure_params(parsed):
        params[name] = _SecretMarker(name)
    module_scope = _make_scope(path, parsed, params, scope.load_json)
    return {
        symbol: {
            "type": resource["type"],
            "existing": resource["existing"],
            **{key: module_scope.eval(value, {}) for key, value in resource["config"].items()},
        }
        for symbol, resource in parsed["resources"].items()
    }


def render_function_app_properties(
    config_path: Path | None = None, main_params: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """`properties` of the Microsoft.Web/sites resource, as a deployment of infra/main.bicep sets them.

    config_path replaces infra/config/balcao.json (what loadJsonContent reads); main_params overrides
    main.bicep parameter values.
    """
    scope, main = _main_scope(config_path, main_params)
    module = main["modules"][FUNCTION_APP_MODULE]
    module_path = (MAIN_BICEP.parent / _name(module["detail"]["path"])).resolve()
    if module_path != FUNCTION_APP_BICEP.resolve():
        raise AssertionError(f"module {FUNCTION_APP_MODULE} points at {module_path}")
    params = {k: scope.eval(v, {}) for k, v in module["config"]["params"].items()}

    parsed = parse_bicep(FUNCTION_APP_BICEP)
    for name in _secure_params(parsed):
        params[name] = _SecretMarker(name)
    app_scope = _make_scope(FUNCTION_APP_BICEP, parsed, params, scope.load_json)
    sites = [r for r in parsed["resources"].values() if r["type"] == "Microsoft.Web/sites"]
    if len(sites) != 1:
        raise AssertionError(f"expected one Microsoft.Web/sites in functionapp.bicep, found {len(sites)}")
    properties: dict[str, Any] = app_scope.eval(sites[0]["config"]["properties"], {})
    return properties


def render_app_settings(
    config_path: Path | None = None, main_params: Mapping[str, Any] | None = None
) -> list[AppSetting]:
    """The Function App's app settings, in order (see render_function_app_properties)."""
    properties = render_function_app_properties(config_path, main_params)
    try:
        settings = properties["siteConfig"]["appSettings"]
    except KeyError as exc:
        raise AssertionError("functionapp.bicep: properties.siteConfig.appSettings not found") from exc
    out = []
    for entry in settings:
        value = _render(entry["value"])
        out.append(AppSetting(entry["name"], value, _SecretMarker.PREFIX in value))
    return out


class _SecretMarker(str):
    """Stand-in for the value of a @secure() parameter while rendering."""

    PREFIX = "<<secure-param:"

    def __new__(cls, name: str) -> _SecretMarker:
        return super().__new__(cls, f"{cls.PREFIX}{name}>>")


def rendered_app_setting_names() -> set[str]:
    """Names of every app setting the Bicep deploys on the Function App (config from infra/config)."""
    return {s.name for s in render_app_settings()}


def webhook_settings_in_config(config_path: Path = INFRA / "config" / "balcao.json") -> set[str]:
    """The units' webhookSetting names declared in the configuration file."""
    data = json.loads(config_path.read_text(encoding="utf-8"))
    return {u["webhookSetting"] for u in data.get("units", []) if u.get("webhookSetting")}
