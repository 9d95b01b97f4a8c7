"""Balcão Virtual — the Azure Functions app. Registers the blueprints, nothing else."""

import azure.functions as func

from functions import blueprints, openapi_http


def build_app() -> func.FunctionApp:
    """A fresh app with every blueprint (the dev host's tests index one per host)."""
    return blueprints.build_app(openapi_http.bp)


app = build_app()
