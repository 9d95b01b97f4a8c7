"""The scheduling, asynchronous-channel and colleague cards: parsed clean by the official Adaptive Cards
parser (1.4), under the size limit, user text escaped, only http(s) buttons (the checks of
test_cards.py applied to the new kinds)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from adapters import cards
from domain.ports import Notification
from tests.adapters.test_cards import HOSTILE, TEAMS_LIMIT, run_official_parser, texts, unescaped, urls

KINDS = ("appointment_reminder", "colleague_invited", "async_overdue")
FIELDS = (
    "starts_at_text",
    "appointment_kind",
    "reason",
    "invitee_name",
    "invitee_role",
    "invited_by",
    "display_number",
    "citizen_name",
    "protocol",
    "received_at_text",
    "due_at_text",
    "overdue_text",
)
URLS = ("join_url", "clerk_join_url", "console_url")

GOOD: dict[str, dict[str, Any]] = {
    "appointment_reminder": {
        "starts_at_text": "10h00 (horário de Manaus)",
        "appointment_kind": "Retorno agendado pelo(a) servidor(a)",
        "reason": "Informação processual",
        "join_url": "https://balcao.example/reuniao.html?senha=x",
        "clerk_join_url": "https://balcao.example/reuniao.html?senha=x&papel=servidor",
        "console_url": "https://balcao.example/servidor.html?unidade=u",
    },
    "colleague_invited": {
        "invitee_name": "Helena Libras",
        "invitee_role": "Intérprete de Libras",
        "invited_by": "Ana Souza",
        "display_number": "P007",
        "citizen_name": "Maria da Silva",
        "reason": "Orientação",
        "join_url": "https://teams.microsoft.com/l/meetup-join/abc",
        "clerk_join_url": "https://meet.example/room?jwt=clerk",
    },
    "async_overdue": {
        "protocol": "TJAM-TEFE-VU-2026-000042",
        "received_at_text": "sexta-feira, 11/12/2026, às 12h00 (horário de Manaus)",
        "due_at_text": "segunda-feira, 14/12/2026, às 14h00 (horário de Manaus)",
        "overdue_text": "Prazo vencido há 1h de expediente",
        "console_url": "https://balcao.example/servidor.html?unidade=u",
    },
}


def all_cards() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        out[f"{kind}/good"] = cards.build_card(Notification(kind, "u", "Vara Única", GOOD[kind]))
        out[f"{kind}/empty"] = cards.build_card(Notification(kind, "u", ""))
        for name, value in HOSTILE.items():
            data = {f: value for f in (*FIELDS, *URLS)}
            unit = value if isinstance(value, str) else "Vara"
            out[f"{kind}/{name}"] = cards.build_card(Notification(kind, "u", unit, data))
    out["coalesced"] = cards.build_coalesced_card([Notification(k, "u", "Vara", GOOD[k]) for k in KINDS])
    return out


CARDS = all_cards()


def test_every_new_card_parses_without_events() -> None:
    names = list(CARDS)
    results = run_official_parser([CARDS[n] for n in names])
    problems = {
        n: r
        for n, r in zip(names, results, strict=True)
        if r["events"] or r["validation"] or r["droppedKeys"] or r["error"]
    }
    assert problems == {}
    assert {r["version"] for r in results} == {"1.4"}


@pytest.mark.parametrize("name", list(CARDS))
def test_size_escaping_and_buttons(name: str) -> None:
    card = CARDS[name]
    assert card["version"] == "1.4"
    assert (
        len(cards.serialize_payload(cards.to_webhook_payload(card))) < cards.MAX_PAYLOAD_BYTES < TEAMS_LIMIT
    )
    for text in texts(card):
        assert unescaped(text, "[]*_`#<>|~!\\{}") == [], text[:200]
        assert not re.match(r"\s*\d+[.)]", text), text[:200]
    for url in urls(card):
        assert url.startswith(("https://", "http://")) and "@" not in url.split("/")[2]


def test_the_invitation_carries_the_clerk_link_and_who_is_invited() -> None:
    card = CARDS["colleague_invited/good"]
    assert list(urls(card)) == ["https://meet.example/room?jwt=clerk"]
    facts = {f["title"]: f["value"] for f in card["body"][3]["facts"]}
    assert facts["Convidado(a)"] == "Helena Libras" and facts["Como"] == "Intérprete de Libras"
    assert card["body"][1]["text"] == "Helena Libras: convite para um atendimento"
    assert "Maria da Silva" not in json.dumps(card, ensure_ascii=False), "no citizen data in a card"


def test_the_reminder_and_the_overdue_alert_say_when_and_link_to_the_console() -> None:
    reminder = CARDS["appointment_reminder/good"]
    assert reminder["body"][1]["text"] == "Atendimento agendado às 10h00 \\(horário de Manaus\\)"
    assert list(urls(reminder)) == [
        "https://balcao.example/servidor.html?unidade=u",
        "https://balcao.example/reuniao.html?senha=x&papel=servidor",
    ]
    overdue = CARDS["async_overdue/good"]
    assert "TJAM\\-TEFE\\-VU\\-2026\\-000042" in overdue["body"][1]["text"]
    assert "Prazo vencido há 1h de expediente" in list(texts(overdue))
