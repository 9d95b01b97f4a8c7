"""The Jitsi provider: unguessable, idempotent room names and JWTs a jitsi-meet deployment accepts."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.meetings_jitsi import ROOM_ALPHABET, ROOM_RANDOM_CHARS, JitsiMeetingProvider
from domain.ports import MeetingRequest

ROOM_SECRET = "room-secret-for-tests-0123456789"
APP_ID = "balcao-virtual"
APP_SECRET = "jitsi-app-secret-for-tests-0123456789abcdef"
STARTS_AT = datetime.now(UTC).replace(microsecond=0)  # tokens must be valid while the test runs


def request(ticket: str = "T-0001", **overrides: Any) -> MeetingRequest:
    fields: dict[str, Any] = {
        "ticket_id": ticket,
        "unit_id": "tjex-1vc",
        "unit_name": "1ª Vara Cível de Maria da Silva",
        "display_number": "A012",
        "provider": "jitsi",
        "starts_at": STARTS_AT,
    }
    fields.update(overrides)
    return MeetingRequest(**fields)


def provider(**overrides: Any) -> JitsiMeetingProvider:
    settings: dict[str, Any] = {"host_url": "https://meet.tj.example.jus.br", "room_secret": ROOM_SECRET}
    settings.update(overrides)
    return JitsiMeetingProvider(**settings)


def random_part(room: str) -> str:
    return room.rsplit("-", 1)[1]


def test_room_name_has_at_least_128_bits_from_a_secret_derivation() -> None:
    room = provider().create(request()).meeting_id

    part = random_part(room)
    assert len(part) == ROOM_RANDOM_CHARS
    assert set(part) <= set(ROOM_ALPHABET)
    assert ROOM_RANDOM_CHARS * math.log2(len(ROOM_ALPHABET)) >= 128
    assert room == f"balcaovirtual-tjex-1vc-{part}"


def test_room_names_are_unique_over_many_tickets() -> None:
    p = provider()
    rooms = {p.create(request(f"T-{i:05d}")).meeting_id for i in range(5000)}
    parts = {random_part(r) for r in rooms}
    assert len(rooms) == len(parts) == 5000
    # Every character of the alphabet shows up in every position: no constant, guessable columns.
    for position in range(ROOM_RANDOM_CHARS):
        assert {part[position] for part in parts} == set(ROOM_ALPHABET)


def test_same_ticket_same_room_and_other_secret_other_room() -> None:
    first = provider().create(request())
    again = provider().create(request())  # another instance, same configuration: a retried message
    other = provider(room_secret="another-secret-0123456789").create(request())

    assert first == again
    assert random_part(other.meeting_id) != random_part(first.meeting_id)


def test_without_a_room_secret_rooms_are_still_random_and_idempotent_in_process() -> None:
    p = JitsiMeetingProvider()
    assert p.create(request()) == p.create(request())
    assert p.create(request()).meeting_id != JitsiMeetingProvider().create(request()).meeting_id


def test_room_name_carries_no_personal_data() -> None:
    room = provider().create(request()).meeting_id
    assert "maria" not in room and "a012" not in room and "t-0001" not in room.lower()


@settings(max_examples=60, deadline=None)
@given(unit_id=st.text(max_size=80), ticket=st.text(min_size=1, max_size=80))
def test_room_names_are_url_safe_for_any_input(unit_id: str, ticket: str) -> None:
    meeting = provider().create(request(ticket, unit_id=unit_id))
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", meeting.meeting_id)
    assert meeting.join_url == f"https://meet.tj.example.jus.br/{meeting.meeting_id}"


def test_without_jwt_links_are_plain_and_there_is_no_clerk_link() -> None:
    meeting = provider().create(request())
    assert "jwt" not in meeting.join_url
    assert meeting.clerk_join_url is None
    assert meeting.provider == "jitsi"


def _token(url: str) -> str:
    [token] = parse_qs(urlsplit(url).query)["jwt"]
    return token


def test_jwt_verifies_with_the_configured_key_and_carries_jitsi_claims() -> None:
    meeting = provider(app_id=APP_ID, app_secret=APP_SECRET, subject="meet.tj.example.jus.br").create(
        request()
    )
    assert meeting.clerk_join_url is not None

    citizen = jwt.decode(
        _token(meeting.join_url), APP_SECRET, algorithms=["HS256"], audience="jitsi", issuer=APP_ID
    )
    clerk = jwt.decode(
        _token(meeting.clerk_join_url), APP_SECRET, algorithms=["HS256"], audience="jitsi", issuer=APP_ID
    )

    for claims in (citizen, clerk):
        assert claims["room"] == meeting.meeting_id
        assert claims["sub"] == "meet.tj.example.jus.br"
        assert claims["nbf"] == int((STARTS_AT - timedelta(minutes=5)).timestamp())
        assert claims["exp"] == int((STARTS_AT + timedelta(hours=2)).timestamp())
    assert clerk["context"]["user"]["moderator"] is True
    assert clerk["context"]["user"]["affiliation"] == "owner"
    assert citizen["context"]["user"]["moderator"] is False
    assert citizen["context"]["user"]["affiliation"] == "member"
    assert urlsplit(meeting.join_url).path == f"/{meeting.meeting_id}"


def test_jwt_fails_with_another_key() -> None:
    meeting = provider(app_id=APP_ID, app_secret=APP_SECRET).create(request())
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            _token(meeting.join_url),
            "some-other-secret-0123456789abcdef-xyz",
            algorithms=["HS256"],
            audience="jitsi",
        )


def test_jwt_is_rejected_after_it_expires() -> None:
    meeting = provider(app_id=APP_ID, app_secret=APP_SECRET).create(
        request(starts_at=datetime(2020, 1, 1, tzinfo=UTC))
    )
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(_token(meeting.join_url), APP_SECRET, algorithms=["HS256"], audience="jitsi")


def test_retry_with_the_same_request_yields_the_same_links() -> None:
    p = provider(app_id=APP_ID, app_secret=APP_SECRET)
    assert p.create(request()) == p.create(request())


def test_secrets_are_not_in_repr() -> None:
    text = repr(provider(app_id=APP_ID, app_secret=APP_SECRET))
    assert APP_SECRET not in text and ROOM_SECRET not in text


@pytest.mark.parametrize(
    "settings",
    [
        {"host_url": "http://meet.example.com"},
        {"host_url": "https://meet.example.com/?x=1"},
        {"app_id": APP_ID},
        {"app_id": APP_ID, "app_secret": "short"},
        {"room_secret": "short"},
    ],
)
def test_bad_configuration_is_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        provider(**settings)


def test_host_with_a_tenant_path() -> None:
    meeting = provider(host_url="https://8x8.vc/tenant-x/").create(request())
    assert meeting.join_url.startswith("https://8x8.vc/tenant-x/balcaovirtual-")
