"""The state of a conversation that travels with the channel instead of being stored (the web widget):
the state's record (machine.State.record, JSON) in base64url, then an HMAC of it (domain.tokens.KeyRing,
purpose `conversation`, rotatable keys). The server keeps nothing between two messages, so a message
costs no storage transaction; the signature means a state the server did not write is refused (an edited
answer, a ticket id of someone else), and the state carries the time of its last message (`lastMs`,
signed with the rest), so the machine forgets it after its idle time (machine.IDLE_MS) however long the
browser keeps it. The answers travel to the citizen's own browser only (signed, not secret: they are
what the citizen typed).
"""

from __future__ import annotations

import base64
import binascii
import json

from domain.conversation.machine import State
from domain.errors import InvalidInputError, UnauthenticatedError
from domain.tokens import KeyRing

PURPOSE = "conversation"
REFUSED = "Não foi possível continuar esta conversa. Recarregue a página para começar de novo."


def seal(keys: KeyRing, state: State) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(state.record(), separators=(",", ":")).encode())
    text = payload.decode().rstrip("=")
    return f"{text}.{keys.sign(text, PURPOSE)}"


def unseal(keys: KeyRing, sealed: str) -> State:
    """The state `seal` made, or InvalidInputError (400) when it was not made here or was changed."""
    text, _, signature = (sealed or "").partition(".")
    try:
        keys.verify(text, signature, PURPOSE)
        record = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return State.of(record)
    except (UnauthenticatedError, binascii.Error, ValueError, TypeError, AttributeError):
        raise InvalidInputError(REFUSED) from None
