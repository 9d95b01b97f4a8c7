"""Instants as the stored records and the event log write them (ISO 8601 in UTC, `Z`), and epoch
milliseconds (the queue state's unit of time)."""

from __future__ import annotations

from datetime import UTC, date, datetime


def iso_utc(t: datetime) -> str:
    """`2026-12-07T15:00:00Z`: an aware instant in UTC."""
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def from_ms(epoch_ms: int) -> datetime:
    """The instant of epoch milliseconds, in UTC."""
    return datetime.fromtimestamp(epoch_ms / 1000, UTC)


def day_of(text: str) -> date:
    """The date written `YYYYMMDD` (a service day), or ValueError."""
    if len(text) != 8 or not text.isdigit():
        raise ValueError(f"not a YYYYMMDD date: {text!r}")
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def ms_of_iso(text: str) -> int:
    """Epoch milliseconds of a stored ISO 8601 instant."""
    return int(datetime.fromisoformat(text).timestamp() * 1000)
