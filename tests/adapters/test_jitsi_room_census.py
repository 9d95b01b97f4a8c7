"""The Jitsi room census (adapters/meetings_jitsi.py `JitsiRoomCensus`) with the real HTTP client against
a local stand-in of prosody's `mod_muc_size`: what it asks (room, XMPP domain, a token when the server
checks them) and what it makes of each answer (a count, 0 for a room nobody opened, "cannot tell")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import jwt
import pytest

from adapters.meetings_jitsi import JitsiRoomCensus
from tests.fakes.fake_jitsi import FakeJitsi

ROOM = "balcaovirtual-tjac-rbr-1vce-abcdefghijklmnopqrstuvwxyz234567"
SECRET = "s" * 40


@pytest.fixture
def jitsi() -> Iterator[FakeJitsi]:
    with FakeJitsi() as fake:
        yield fake


def test_counts_the_people_in_a_room(jitsi: FakeJitsi) -> None:
    jitsi.people[ROOM] = 2
    census = JitsiRoomCensus(jitsi.room_size_url, "meet.tjac.test")
    assert census.participants(ROOM.upper()) == 2
    assert jitsi.queries == [{"room": ROOM, "domain": "meet.tjac.test"}]


def test_a_room_nobody_opened_has_nobody(jitsi: FakeJitsi) -> None:
    assert JitsiRoomCensus(jitsi.room_size_url, "meet.tjac.test").participants(ROOM) == 0


@pytest.mark.parametrize("status", [500, 403, 0])
def test_a_failing_server_means_cannot_tell(jitsi: FakeJitsi, status: int) -> None:
    jitsi.people[ROOM] = 1
    jitsi.status = status
    assert JitsiRoomCensus(jitsi.room_size_url, "meet.tjac.test").participants(ROOM) is None


def test_an_unreachable_server_means_cannot_tell() -> None:
    census = JitsiRoomCensus("http://127.0.0.1:9/room-size", "meet.tjac.test", timeout_s=0.5)
    assert census.participants(ROOM) is None


def test_a_token_goes_along_when_the_server_checks_them(jitsi: FakeJitsi) -> None:
    jitsi.people[ROOM] = 1
    now = datetime(2026, 12, 14, 13, 0, tzinfo=UTC)
    census = JitsiRoomCensus(
        jitsi.room_size_url, "meet.tjac.test", app_id="balcao", app_secret=SECRET, clock=lambda: now
    )
    assert census.participants(ROOM) == 1
    token = jitsi.queries[0]["token"]
    claims = jwt.decode(
        token,
        SECRET,
        algorithms=["HS256"],
        audience="jitsi",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert (claims["iss"], claims["room"]) == ("balcao", ROOM)
    assert claims["exp"] - claims["iat"] == 300


def test_only_https_outside_the_machine() -> None:
    with pytest.raises(ValueError, match="https"):
        JitsiRoomCensus("http://meet.tjac.jus.br/room-size", "meet.tjac.jus.br")
