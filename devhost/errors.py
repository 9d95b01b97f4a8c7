"""Errors raised by the dev host, all in one hierarchy::

    DevHostError
    ├── ConfigurationError    host.json, local.settings.json or a `%SETTING%` that cannot be used
    ├── FunctionLoadError     a function whose metadata the host cannot serve (bad route, parameters)
    └── CronSyntaxError       an NCRONTAB expression that does not parse (also a `ValueError`)

Errors raised by the app's own functions are never translated: they are logged and turned into the
host's answer (a 500 for HTTP, a retry or the poison queue for queues, a log line for timers).
"""

from __future__ import annotations


class DevHostError(Exception):
    """Base class of every error the dev host raises itself."""


class ConfigurationError(DevHostError):
    """A setting, host.json or local.settings.json value that cannot be used."""


class FunctionLoadError(DevHostError):
    """A function that the host refuses to load, as the Functions host would at indexing."""


class CronSyntaxError(DevHostError, ValueError):
    """An NCRONTAB expression that does not parse."""
