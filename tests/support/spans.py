"""The spans the app records, kept in memory (the OpenTelemetry SDK's in-memory exporter), with the Azure
SDKs' own spans turned on as the Azure Monitor distro turns them on in Azure."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from azure.core.settings import settings as azure_settings
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


@contextmanager
def recorded_spans() -> Iterator[InMemorySpanExporter]:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    previous = azure_settings.tracing_implementation()
    azure_settings.tracing_implementation = "opentelemetry"  # what the distro turns on in Azure
    try:
        yield memory
    finally:
        azure_settings.tracing_implementation = previous
        memory.shutdown()


def span_text(span: ReadableSpan) -> str:
    """Everything a span carries that an operator would read: its name, attributes, events and status."""
    parts = [span.name, str(span.status.description or "")]
    parts += [f"{k}={v}" for k, v in (span.attributes or {}).items()]
    for event in span.events:
        parts += [event.name, *(f"{k}={v}" for k, v in (event.attributes or {}).items())]
    return "\n".join(parts)
