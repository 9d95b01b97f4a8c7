from __future__ import annotations

import base64
from datetime import date

import pytest

from domain.errors import InvalidTransitionError, TicketNotFoundError, UnauthenticatedError
from domain.tickets import ACTIVE, TERMINAL, TRANSITIONS, Action, Status, TicketId, next_status
from domain.tokens import KeyRing


def test_lifecycle_table() -> None:
    assert next_status(Status.WAITING, Action.CALL) == Status.CALLED
    assert next_status(Status.CALLED, Action.START) == Status.IN_SERVICE
    assert next_status(Status.IN_SERVICE, Action.FINISH) == Status.DONE
    assert next_status(Status.ABSENT, Action.RETURN) == Status.WAITING
    assert next_status(Status.CALLED, Action.NO_SHOW) == Status.NO_SHOW
    with pytest.raises(InvalidTransitionError) as err:
        next_status(Status.DONE, Action.CALL)
    assert "atendida" in err.value.message


def test_terminal_states_have_no_way_out() -> None:
    for source, _action in TRANSITIONS:
        assert source not in TERMINAL
    assert ACTIVE.isdisjoint(TERMINAL)


def test_ticket_id_round_trip_and_garbage() -> None:
    tid = TicketId.new("trf1-sjac-01vf", date(2026, 11, 30))
    assert TicketId.parse(str(tid)) == tid
    for bad in ["", "x", "../etc/passwd", "trf1.2026.abc", "trf1-sjac.20261399.abcdefghij"]:
        with pytest.raises(TicketNotFoundError):
            TicketId.parse(bad)


def test_tokens_verify_without_storage_and_rotate() -> None:
    old = KeyRing({"k1": b"a" * 32})
    token = old.sign("ticket-1")
    old.verify("ticket-1", token)
    with pytest.raises(UnauthenticatedError):
        old.verify("ticket-2", token)
    with pytest.raises(UnauthenticatedError):
        old.verify("ticket-1", token[:-2] + "xx")
    rotated = KeyRing.parse(
        f"k2:{base64.b64encode(b'b' * 32).decode()},k1:{base64.b64encode(b'a' * 32).decode()}"
    )
    rotated.verify("ticket-1", token)  # old tokens keep working during the rotation
    assert rotated.sign("ticket-1").startswith("k2.")
