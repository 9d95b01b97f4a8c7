"""Every function of the app registers in Azure: no route or name in the host's reserved space.

The Functions host refuses an HTTP function whose route (its name, when it has no route), trimmed of "/"
and lower-cased, starts with "admin" or "runtime" (azure-functions-host, ScriptHost.ValidateHttpFunction;
issues 1781 and 7634): such a function works under a local host that does not check, and is missing in
Azure. The project is stricter for names: no function name starts with "admin", whatever its trigger.
The rules are written here from the host's source; the app is read as the host reads it.
"""

from __future__ import annotations

import json
import re

import function_app

HOST_RESERVED = ("admin", "runtime")
HOST_NAME = re.compile(r"^[a-z][a-z0-9_\-]{0,127}$", re.IGNORECASE)  # Utility.FunctionNameValidationRegex


def registered() -> list[tuple[str, dict[str, object]]]:
    """(function name, trigger binding as function.json states it) for every function of the app."""
    out = []
    for function in function_app.build_app().get_functions():
        bindings = [json.loads(raw) for raw in function.get_raw_bindings()]
        trigger = next(b for b in bindings if str(b["type"]).lower().endswith("trigger"))
        out.append((function.get_function_name(), trigger))
    return out


def test_no_http_route_is_in_the_hosts_reserved_space() -> None:
    offending = []
    for name, trigger in registered():
        if trigger["type"] != "httpTrigger":
            continue
        route = str(trigger.get("route") or "").strip() or name
        if route.strip("/").lower().startswith(HOST_RESERVED):
            offending.append(f"{name}: {route}")
    assert offending == [], f"routes the Functions host refuses: {offending}"


def test_no_function_name_starts_with_admin_and_every_name_is_valid() -> None:
    names = [name for name, _ in registered()]
    assert names, "the app registers no function"
    assert [n for n in names if n.lower().startswith("admin")] == []
    assert [n for n in names if not HOST_NAME.match(n) or n.lower() == "host"] == []
    assert len({n.lower() for n in names}) == len(names)
