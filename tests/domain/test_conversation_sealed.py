"""The conversation state that travels with the widget (domain/conversation/sealed.py): what the server
signed comes back as it was; anything else is refused with the same pt-BR message (400), whatever was
changed, and a state signed under a retired key is refused too."""

from __future__ import annotations

import base64
import json

import pytest

from domain.conversation.machine import State
from domain.conversation.sealed import REFUSED, seal, unseal
from domain.errors import InvalidInputError
from domain.tokens import KeyRing

KEYS = KeyRing({"k1": b"1" * 32})
OTHER = KeyRing({"k9": b"9" * 32})
STATE = State(step="ask", unit_id="u1", asking="role", answers={"name": "Maria"}, shown=("u1",), last_ms=7)


def test_a_sealed_state_comes_back_as_it_was() -> None:
    assert unseal(KEYS, seal(KEYS, STATE)) == STATE


def edited(sealed: str) -> str:
    """The same seal over a payload whose answer was changed by the holder."""
    payload, _, signature = sealed.partition(".")
    record = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    record["answers"]["name"] = "Outra Pessoa"
    text = base64.urlsafe_b64encode(json.dumps(record).encode()).decode().rstrip("=")
    return f"{text}.{signature}"


@pytest.mark.parametrize(
    "sealed",
    [
        edited(seal(KEYS, STATE)),
        seal(OTHER, STATE),  # another deployment's (or a retired) key
        seal(KEYS, STATE).rsplit(".", 1)[0] + ".AAAA",
        seal(KEYS, STATE).partition(".")[0],  # no signature
        "",
        "não.é.base64",
    ],
)
def test_anything_the_server_did_not_sign_is_refused(sealed: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        unseal(KEYS, sealed)
    assert refused.value.message == REFUSED


def test_a_signed_payload_that_is_not_a_state_is_refused() -> None:
    text = base64.urlsafe_b64encode(b"[1, 2]").decode().rstrip("=")
    with pytest.raises(InvalidInputError):
        unseal(KEYS, f"{text}.{KEYS.sign(text, 'conversation')}")
