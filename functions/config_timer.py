"""Every minute: apply a changed configuration file; a bad one is refused
(domain/usecases/configuration.py).

At host start too, but only outside Azure (the dev host, Core Tools: a developer expects an edited file
to apply at once) or when `BALCAO_SYNC_CONFIG_ON_START` is true. In Azure every instance start and every
scale-out would run it, and Flex Consumption starts instances often; the minute schedule is enough (the
README promises a change within a minute), and the first request of a fresh deployment waits for it no
longer than that. The decorator reads the environment when the module is imported, which is when the
host indexes the app, after it has set the app settings.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

import azure.functions as func

from domain.usecases.configuration import APPLIED, sync_configuration
from functions import bootstrap
from functions.platform import is_true, running_in_azure
from functions.triggers import timer

bp = func.Blueprint()
log = logging.getLogger("balcao.config")


def sync_on_start(env: Mapping[str, str]) -> bool:
    """Whether the host runs the sync when it starts (see the module's docstring)."""
    return not running_in_azure(env) or is_true(env.get("BALCAO_SYNC_CONFIG_ON_START"))


@timer(bp, "sync_configuration", "0 * * * * *", run_on_startup=sync_on_start(os.environ))
def sync_configuration_timer(timer: func.TimerRequest) -> None:
    app = bootstrap.get()
    outcome = sync_configuration(app.config_file, app.config_store, app.now())
    if outcome.startswith("refused"):
        log.error("configuration %s; the last good configuration stays in force", outcome)
    elif outcome == APPLIED:
        app.config.invalidate()
        log.info("configuration applied")
