"""WhatsApp's customer-service window (issue 18): a business may write free-form text to a citizen only
within 24 hours of the citizen's last message; after that, only a template Meta approved.

The window is computed from the conversation's last inbound message (`lastInMs` on its state, the time
ACS received it), never from a clock read here: the caller passes `now`. What the conversation sends
inside the window goes as text, one message per reply; outside it, as one template: the one given (the
survey after the attendance), else `conversation` with the replies joined into its single value (a
template's value may hold no line break, so the lines are joined with spaces, and it is cut at
`MAX_VALUE` characters).
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.conversation.ports import TextReplies

WINDOW_MS = 24 * 60 * 60 * 1000
LATE = "conversation"  # the template of a reply sent after the window closed
MAX_VALUE = 900  # a template value is short (Meta limits a template body to 1,024 characters)


def window_open(last_in_ms: int, now_ms: int) -> bool:
    """Whether free-form text may still be sent (the citizen wrote less than 24 hours ago)."""
    return last_in_ms > 0 and now_ms - last_in_ms < WINDOW_MS


def late_value(texts: Sequence[str]) -> str:
    """The replies as one template value: one line, at most `MAX_VALUE` characters."""
    flat = " ".join(" ".join(texts).split())
    return flat if len(flat) <= MAX_VALUE else flat[: MAX_VALUE - 1].rstrip() + "…"


def send(
    replies: TextReplies,
    contact: str,
    texts: Sequence[str],
    last_in_ms: int,
    now_ms: int,
    template: tuple[str, tuple[str, ...]] | None = None,
) -> int:
    """Send the conversation's replies as the window allows; returns how many messages went out."""
    if not texts:
        return 0
    if window_open(last_in_ms, now_ms):
        for text in texts:
            replies.say(contact, text)
        return len(texts)
    name, values = template or (LATE, (late_value(texts),))
    replies.template(contact, name, values)
    return 1
