"""Every blueprint of the app but the OpenAPI document's own (functions/openapi_http.py describes these
and itself; function_app.py registers them all)."""

from __future__ import annotations

import azure.functions as func

from functions import (
    admissions_queue,
    appointments_queue,
    async_http,
    audit_http,
    chat_http,
    citizen_notices_queue,
    clerk_http,
    config_timer,
    conversation_http,
    favorites_http,
    health_http,
    meetings_queue,
    metrics_http,
    metrics_timer,
    notifications_queue,
    privacy_http,
    retention_timer,
    rooms_http,
    scheduling_http,
    scheduling_timer,
    tickets_http,
    unit_config_http,
    units_http,
    upkeep_timer,
    whatsapp_events,
)

BLUEPRINTS: tuple[func.Blueprint, ...] = tuple(
    module.bp
    for module in (
        health_http,
        units_http,
        tickets_http,
        conversation_http,
        clerk_http,
        chat_http,
        audit_http,
        admissions_queue,
        meetings_queue,
        notifications_queue,
        citizen_notices_queue,
        config_timer,
        metrics_http,
        metrics_timer,
        upkeep_timer,
        whatsapp_events,
        scheduling_http,
        async_http,
        appointments_queue,
        scheduling_timer,
        privacy_http,
        retention_timer,
        favorites_http,
        rooms_http,
        unit_config_http,
    )
)


def build_app(*extra: func.Blueprint) -> func.FunctionApp:
    """A fresh app with every blueprint (and `extra` ones)."""
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    for blueprint in (*BLUEPRINTS, *extra):
        app.register_functions(blueprint)
    return app
