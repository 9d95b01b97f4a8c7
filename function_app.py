"""Balcão Virtual — the Azure Functions app. Registers the blueprints, nothing else."""

import azure.functions as func

from functions import (
    admissions_queue,
    appointments_queue,
    async_http,
    attendance_http,
    audit_http,
    clerk_http,
    config_timer,
    health_http,
    meetings_queue,
    metrics_http,
    metrics_timer,
    notifications_queue,
    openapi_http,
    privacy_http,
    retention_timer,
    scheduling_http,
    scheduling_timer,
    tickets_http,
    units_http,
    upkeep_timer,
)

BLUEPRINTS = (
    health_http,
    units_http,
    tickets_http,
    clerk_http,
    audit_http,
    admissions_queue,
    meetings_queue,
    notifications_queue,
    config_timer,
    metrics_http,
    metrics_timer,
    upkeep_timer,
    scheduling_http,
    async_http,
    attendance_http,
    appointments_queue,
    scheduling_timer,
    openapi_http,
    privacy_http,
    retention_timer,
)


def build_app() -> func.FunctionApp:
    """A fresh app with every blueprint (the dev host's tests index one per host)."""
    built = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    for module in BLUEPRINTS:
        built.register_functions(module.bp)
    return built


app = build_app()
