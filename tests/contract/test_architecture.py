"""The shape of the code (DESIGN §2, issue 21), read from the source files themselves:

- no import circle among the app's modules (function_app, domain, adapters, functions, devhost);
- modules share public names only: no `from x import _private`, no `module._private` of another module;
- no module of domain/ or functions/ over 450 lines;
- the domain's rules (everything but domain/usecases) import no use case;
- the domain holds no thread, lock, sleep, clock or cache of its own, and no module-level state it
  changes (`global`).

import-linter (`make lint`) checks the layers: the domain imports no SDK nor outer layer, use cases no
`functions`, adapters no use cases.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "adapters", "functions", "devhost")
MAX_LINES = 450
DOMAIN_FORBIDS = (
    "threading",
    "time",
    "asyncio",
    "concurrent",
    "multiprocessing",
    "random",
    "os",
    "functools",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources(packages: tuple[str, ...] = PACKAGES, *, with_app: bool = True) -> dict[str, Path]:
    files = [p for package in packages for p in sorted((ROOT / package).rglob("*.py"))]
    if with_app:
        files.append(ROOT / "function_app.py")
    return {module_name(p): p for p in files}


MODULES = sources()


@dataclass(frozen=True)
class Import:
    module: str  # the project module imported
    names: tuple[str, ...]  # for `from module import names`
    line: int


def imports(path: Path) -> Iterator[Import]:
    """The project modules `path` imports (anywhere in the file, functions included)."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield Import(alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module not in MODULES:
                continue
            plain: list[str] = []
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                if child in MODULES:
                    yield Import(child, (), node.lineno)
                else:
                    plain.append(alias.name)
            if plain:
                yield Import(node.module, tuple(plain), node.lineno)


def graph() -> dict[str, set[str]]:
    return {name: {i.module for i in imports(path)} - {name} for name, path in MODULES.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(path: Path) -> Iterator[str]:
    """`from x import _name` and `x._name` where x is another module of the app."""
    here = module_name(path)
    tree = ast.parse(path.read_text("utf-8"))
    bound: dict[str, str] = {}  # local name → project module
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES and alias.asname:
                    bound[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module in MODULES:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                if child in MODULES:
                    bound[alias.asname or alias.name] = child
                elif is_private(alias.name) and node.module != here:
                    yield f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}.{alias.name}"
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
            and bound[node.value.id] != here
            and is_private(node.attr)
        ):
            yield f"{path.relative_to(ROOT)}:{node.lineno} uses {bound[node.value.id]}.{node.attr}"


def test_no_import_circle() -> None:
    found = cycles(graph())
    assert not found, f"modules that import each other (directly or through others): {found}"


def test_the_circle_check_sees_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_modules_share_public_names_only() -> None:
    uses = [use for path in MODULES.values() for use in private_uses(path)]
    assert not uses, "private names used from another module:\n" + "\n".join(uses)


@pytest.mark.parametrize("package", ["domain", "functions"])
def test_no_module_over_450_lines(package: str) -> None:
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text("utf-8").splitlines())
        for p in sorted((ROOT / package).rglob("*.py"))
    }
    over = {name: n for name, n in sizes.items() if n > MAX_LINES}
    print(f"\n{package}: {len(sizes)} modules, the longest {max(sizes.values())} lines")
    assert not over, f"modules over {MAX_LINES} lines: {over}"


def test_the_rules_import_no_use_case() -> None:
    rules = {
        n: p for n, p in sources(("domain",), with_app=False).items() if not n.startswith("domain.usecases")
    }
    wrong = [
        f"{name} imports {i.module}"
        for name, path in rules.items()
        for i in imports(path)
        if i.module.startswith("domain.usecases")
    ]
    assert not wrong, wrong


def test_the_domain_keeps_no_thread_lock_sleep_clock_or_state_of_its_own() -> None:
    found = []
    for name, path in sources(("domain",), with_app=False).items():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            imported = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [f"{name} imports {m}" for m in imported if m.split(".")[0] in DOMAIN_FORBIDS]
            if isinstance(node, ast.Global):
                found.append(f"{name}:{node.lineno} changes module-level state ({', '.join(node.names)})")
    assert not found, found
