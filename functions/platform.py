"""Where the app runs: Azure's Functions hosting, or a local host (the dev host, Core Tools, tests).

The platform sets `WEBSITE_INSTANCE_ID` and `WEBSITE_SITE_NAME` in every instance it runs; no local host
does. What depends on it: whether a principal header can be believed without App Service authentication
(functions/identity.py) and whether the configuration is synced when a host starts (config_timer.py).
"""

from __future__ import annotations

from collections.abc import Mapping

AZURE_MARKERS = ("WEBSITE_INSTANCE_ID", "WEBSITE_SITE_NAME")


def running_in_azure(env: Mapping[str, str]) -> bool:
    return any((env.get(name) or "").strip() for name in AZURE_MARKERS)


def is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "sim")
