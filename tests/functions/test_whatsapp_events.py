"""The `AdvancedMessageReceived` data as the function reads it (the schema of
Microsoft.Communication.AdvancedMessageReceived: content, from, messageId, messageType, media,
interactive button/list replies, a template's quick-reply button)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.whatsapp_events import received

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BASE = {"channelType": "whatsapp", "from": "5568999123456", "to": "channel", "messageId": "m1",
        "receivedTimestamp": "2026-12-01T11:59:58Z"}  # fmt: skip


@pytest.mark.parametrize(
    ("data", "text", "option", "media"),
    [
        ({"messageType": "text", "content": "oi"}, "oi", "", False),
        ({"messageType": "image", "media": {"mimeType": "image/jpeg", "id": "x"}}, "", "", True),
        ({"messageType": "document", "media": {"mimeType": "application/pdf", "id": "x"}}, "", "", True),
        (
            {
                "messageType": "interactive",
                "interactive": {"type": "buttonReply", "buttonReply": {"id": "sim", "title": "Sim"}},
            },
            "",
            "sim",
            False,
        ),
        (
            {
                "messageType": "interactive",
                "interactive": {"type": "listReply", "listReply": {"id": "u1", "title": "Vara"}},
            },
            "",
            "u1",
            False,
        ),
        (
            {"messageType": "button", "button": {"text": "Estou aqui", "payload": "here"}},
            "Estou aqui",
            "here",
            False,
        ),
    ],
)
def test_what_the_citizen_sent(data: dict[str, object], text: str, option: str, media: bool) -> None:
    message = received("event-id", {**BASE, **data}, NOW)
    assert (message.text, message.option, message.media) == (text, option, media)
    assert message.message_id == "m1" and message.sender == "5568999123456"
    assert message.received_at == datetime(2026, 12, 1, 11, 59, 58, tzinfo=UTC)


def test_without_a_message_id_the_event_id_keys_it() -> None:
    assert received("event-id", {"content": "oi", "from": "5568999123456"}, NOW).message_id == "event-id"
