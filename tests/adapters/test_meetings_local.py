"""The local (development) provider: deterministic links, no network."""

from __future__ import annotations

import pytest

from adapters.meetings_local import LocalMeetingProvider
from domain.errors import ProviderError
from domain.ports import MeetingRequest


def request(ticket: str) -> MeetingRequest:
    return MeetingRequest(
        ticket_id=ticket, unit_id="u1", unit_name="Vara", display_number="A1", provider="local"
    )


def test_deterministic_url_on_the_configured_base() -> None:
    provider = LocalMeetingProvider(base_url="http://127.0.0.1:7071/")
    meeting = provider.create(request("T-1"))
    assert meeting.join_url == "http://127.0.0.1:7071/reuniao.html?senha=T-1"
    assert meeting.clerk_join_url == "http://127.0.0.1:7071/reuniao.html?senha=T-1&papel=servidor"
    assert meeting.meeting_id == "local-T-1"
    assert meeting.provider == "local"
    assert LocalMeetingProvider(base_url="http://127.0.0.1:7071").create(request("T-1")) == meeting


def test_idempotent_and_recorded_once() -> None:
    provider = LocalMeetingProvider()
    assert provider.create(request("T-1")) == provider.create(request("T-1"))
    assert list(provider.created) == ["T-1"]


def test_ticket_ids_are_quoted() -> None:
    meeting = LocalMeetingProvider(base_url="https://dev.example").create(request("a/b c?d"))
    assert meeting.join_url == "https://dev.example/reuniao.html?senha=a%2Fb%20c%3Fd"


def test_empty_ticket_and_bad_base_are_refused() -> None:
    with pytest.raises(ProviderError):
        LocalMeetingProvider().create(request(""))
    with pytest.raises(ValueError):
        LocalMeetingProvider(base_url="javascript:alert(1)")
