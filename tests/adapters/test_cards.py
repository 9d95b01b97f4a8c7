"""Adaptive Cards for clerks: parsed clean by the official parser, 1.4, < 28 KB, user text escaped."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters import cards
from domain.ports import Notification

ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT / "tests" / "support" / "adaptive_cards_check.js"
TEAMS_LIMIT = 28 * 1024

HOSTILE: dict[str, Any] = {
    "markdown": "**negrito** _itálico_ [clique aqui](https://phishing.example/login) "
    "![img](https://x.example/a.png) # título > citação - item + item `código` ~~riscado~~ "
    "| a | b | \\[escapado\\]",
    "link_only": "[Portal do Tribunal](javascript:alert(document.cookie))",
    "autolink": "<https://phishing.example> <script>alert(1)</script> <img src=x onerror=alert(1)>",
    "html": "<b>oi</b><a href='https://phishing.example'>link</a>&lt;script&gt;&amp;",
    "long": "Á" * 10_000,
    "long_specials": "[](" * 3_000,
    "emoji": "👩‍⚖️ 🏳️‍🌈 🇧🇷 🏴󠁧󠁢󠁳󠁣󠁴󠁿 😀" * 50,
    "rtl": "محكمة العدل — בית המשפט העליון — ‏עברית‎",
    "zero_width": "Ma\u200bria\u200c\u200d\u2060\ufeff da Silva",
    "bidi_override": "\u202eexe.acitsuj\u202c \u2066isolado\u2069",
    "controls": "linha1\nlinha2\r\n\t# título\n- item\n1. primeiro\x00\x07\x1b[31m",
    "ordered_list": "1. primeiro item",
    "date_function": "{{DATE(2026-01-01T00:00:00Z, SHORT)}} {{TIME(2026-01-01T00:00:00Z)}}",
    "surrogate": "a\ud800b",
    "backslashes": "\\\\*\\",
    "number": 12345,
    "none": None,
    "mapping": {"nested": "[x](https://evil.example)"},
    "javascript_url": "javascript:alert(1)",
    "data_url": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "userinfo_url": "https://tribunal.jus.br@phishing.example/login",
    "spaced_url": " https://ok.example/path ",
}
URL_FIELDS = ("join_url", "clerk_join_url", "console_url", "admin_url", "url")
TEXT_FIELDS = (
    "display_number",
    "citizen_name",
    "role",
    "oab",
    "process_number",
    "reason",
    "priority",
    "clerk_name",
    "waiting_count",
    "minutes_unattended",
    "ticket_id",
    "error",
    "queue",
    "message_id",
    "summary",
    "dequeue_count",
)
KINDS = ("citizen_called", "no_clerk_online", "meeting_failed", "poison_message", "something_new")


def good(kind: str) -> Notification:
    examples: dict[str, dict[str, Any]] = {
        "citizen_called": {
            "display_number": "P007",
            "citizen_name": "Maria da Silva",
            "role": "advogado",
            "oab": "SP 123.456",
            "process_number": "0001234-56.2024.8.26.0100",
            "reason": "Informações sobre o andamento",
            "priority": "elderly",
            "clerk_name": "João Servidor",
            "join_url": "https://teams.microsoft.com/l/meetup-join/abc",
        },
        "no_clerk_online": {
            "waiting_count": 3,
            "display_number": "A001",
            "console_url": "https://balcao.example/c",
        },
        "meeting_failed": {
            "ticket_id": "T-1",
            "display_number": "A002",
            "error": "Teams indisponível (HTTP 503)",
            "console_url": "https://balcao.example/console",
        },
        "poison_message": {
            "queue": "meeting-requests",
            "message_id": "m-1",
            "summary": "TransientProviderError após 5 tentativas",
            "dequeue_count": 5,
            "admin_url": "https://balcao.example/admin",
        },
    }
    data = examples.get(kind, {"summary": "Aviso", "url": "https://balcao.example"})
    return Notification(kind=kind, unit_id="tjex-1vc", unit_name="1ª Vara Cível", data=data)


def hostile(kind: str, value: Any) -> Notification:
    data = {field: value for field in (*TEXT_FIELDS, *URL_FIELDS)}
    unit_name = value if isinstance(value, str) else "Vara"
    return Notification(kind=kind, unit_id="u", unit_name=unit_name, data=data)


def all_cards() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every card the module can produce, from good and hostile input."""
    for kind in KINDS:
        yield f"{kind}/good", cards.build_card(good(kind))
        yield f"{kind}/empty", cards.build_card(Notification(kind=kind, unit_id="u", unit_name=""))
        for name, value in HOSTILE.items():
            yield f"{kind}/{name}", cards.build_card(hostile(kind, value))
    yield "coalesced/good", cards.build_coalesced_card([good(k) for k in KINDS])
    for name, value in HOSTILE.items():
        yield f"coalesced/{name}", cards.build_coalesced_card([hostile(k, value) for k in KINDS])
    mixed_units = [Notification(k, f"u{i}", f"Unidade {i}", good(k).data) for i, k in enumerate(KINDS)]
    yield "coalesced/mixed-units", cards.build_coalesced_card(mixed_units)
    burst = [hostile(KINDS[i % len(KINDS)], HOSTILE["long"]) for i in range(40)]
    for i, (body, _) in enumerate(cards.build_payloads(burst)):
        yield f"burst/{i}", json.loads(body)["attachments"][0]["content"]


ALL_CARDS = dict(all_cards())


def run_official_parser(items: list[Any]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required for the Adaptive Cards check (see package.json)")
    completed = subprocess.run(
        [node, str(CHECKER)],
        input=json.dumps(items, ensure_ascii=False),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    results: list[dict[str, Any]] = json.loads(completed.stdout)
    return results


@pytest.fixture(scope="module")
def parser_results() -> dict[str, dict[str, Any]]:
    names = list(ALL_CARDS)
    return dict(zip(names, run_official_parser([ALL_CARDS[n] for n in names]), strict=True))


def texts(node: Any) -> Iterator[str]:
    """Every string the renderer treats as markdown: TextBlock text, Fact title and value."""
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            yield node["text"]
        if "title" in node and "value" in node:
            yield node["title"]
            yield node["value"]
        for value in node.values():
            yield from texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from texts(value)


def urls(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "Action.OpenUrl":
            yield node["url"]
        for value in node.values():
            yield from urls(value)
    elif isinstance(node, list):
        for value in node:
            yield from urls(value)


def unescaped(text: str, chars: str) -> list[int]:
    """Positions of characters of `chars` that are not part of a backslash escape."""
    found = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            i += 2  # an escape: backslash and the escaped character
            continue
        if text[i] in chars:
            found.append(i)
        i += 1
    return found


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


# ------------------------------------------------------------------------------- official parser


def test_the_checker_does_catch_problems() -> None:
    broken = [
        {"type": "AdaptiveCard", "version": "1.4", "body": [{"type": "Table", "columns": []}]},
        {
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [{"type": "TextBlock", "text": "x", "style": "heading"}],
        },
        {
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [{"type": "TextBlock", "text": "x", "wrapp": True}],
        },
        {"type": "AdaptiveCard", "version": "1.4", "actions": [{"type": "Action.OpenUrl", "title": "x"}]},
    ]
    results = run_official_parser(broken)
    assert results[0]["events"]  # unknown element type (Table is 1.5)
    assert results[1]["events"]  # property of a later version
    assert results[2]["droppedKeys"] == ["$.body[0].wrapp"]  # unknown property
    assert results[3]["validation"]  # required url missing


def test_every_card_parses_without_events(parser_results: dict[str, dict[str, Any]]) -> None:
    assert len(parser_results) > 100
    problems = {
        name: result
        for name, result in parser_results.items()
        if result["events"] or result["validation"] or result["droppedKeys"] or result["error"]
    }
    assert problems == {}
    assert {r["version"] for r in parser_results.values()} == {"1.4"}


def test_webhook_payloads_parse_too() -> None:
    payload = cards.to_webhook_payload(cards.build_card(good("citizen_called")))
    [result] = run_official_parser([payload])
    assert not (result["events"] or result["validation"] or result["droppedKeys"] or result["error"])


# ------------------------------------------------------------------------------- shape and size


@pytest.mark.parametrize("name", list(ALL_CARDS))
def test_version_and_size(name: str) -> None:
    card = ALL_CARDS[name]
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"
    size = len(cards.serialize_payload(cards.to_webhook_payload(card)))
    assert size < cards.MAX_PAYLOAD_BYTES < TEAMS_LIMIT


def test_payload_shape_is_exact() -> None:
    card = cards.build_card(good("meeting_failed"))
    assert cards.to_webhook_payload(card) == {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }
    assert json.loads(cards.serialize_payload(cards.to_webhook_payload(card))) == cards.to_webhook_payload(
        card
    )


# ------------------------------------------------------------------------------------ escaping


@pytest.mark.parametrize("name", list(ALL_CARDS))
def test_no_markdown_can_be_injected(name: str) -> None:
    # Parentheses are inert without brackets (and our own labels use them: "Advogado(a)").
    for text in texts(ALL_CARDS[name]):
        assert unescaped(text, "[]*_`#<>|~!\\{}") == [], text[:200]
        assert not re.match(r"\s*\d+[.)]", text), text[:200]
        assert not re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", text)


@pytest.mark.parametrize("name", list(ALL_CARDS))
def test_only_http_urls_reach_buttons(name: str) -> None:
    for url in urls(ALL_CARDS[name]):
        assert url.startswith(("https://", "http://")), url
        assert "@" not in url.split("/")[2]


def test_hostile_urls_lose_their_button_and_good_ones_keep_it() -> None:
    for name in ("javascript_url", "data_url", "userinfo_url", "markdown"):
        assert list(urls(cards.build_card(hostile("citizen_called", HOSTILE[name])))) == []
    # Both buttons of the card (the meeting, the console) keep the cleaned link.
    assert list(urls(cards.build_card(hostile("citizen_called", HOSTILE["spaced_url"])))) == [
        "https://ok.example/path",
        "https://ok.example/path",
    ]


def test_long_text_is_truncated_and_invisible_characters_removed() -> None:
    card = cards.build_card(hostile("citizen_called", HOSTILE["long"]))
    assert max(len(t) for t in texts(card)) <= 1_000
    card = cards.build_card(hostile("citizen_called", HOSTILE["zero_width"] + HOSTILE["bidi_override"]))
    joined = "".join(texts(card))
    for invisible in "\u200b\u2060\ufeff\u202e\u202c\u2066\u2069":
        assert invisible not in joined
    assert "\u200d" in joined  # the joiner that shapes emoji and scripts is kept


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_escaping_round_trips_and_leaves_nothing_active(text: str) -> None:
    escaped = cards.md_text(text, 500)
    cleaned = cards.clean_text(text, 500)
    assert unescape(escaped) == cleaned
    assert unescaped(escaped, "".join(cards._MD_SPECIAL)) == []
    assert "\n" not in escaped


def test_huge_input_costs_no_more_than_a_short_one() -> None:
    started = time.perf_counter()
    text = cards.clean_text("[x](y) " * 2_000_000, 100)
    assert time.perf_counter() - started < 0.5
    assert len(text) == 100 and text.endswith("…")
    assert cards.clean_text("\u200b" * 10_000, 100) == ""


def test_rtl_and_emoji_survive_escaping() -> None:
    assert cards.md_text(HOSTILE["rtl"]) == "محكمة العدل — בית המשפט העליון — עברית"
    assert cards.md_text("👩‍⚖️ Olá") == "👩‍⚖️ Olá"


# --------------------------------------------------------------------------------- card content


def test_citizen_called_card_shows_what_the_clerk_needs() -> None:
    card = cards.build_card(good("citizen_called"))
    facts = {f["title"]: f["value"] for f in card["body"][2]["facts"]}
    assert facts == {  # no name, OAB or process number, even when given (DESIGN §7, issue 16)
        "Perfil": "Advogado(a)",
        "Assunto": "Informações sobre o andamento",
        "Prioridade": "Prioridade legal (60 anos ou mais)",
        "Servidor(a)": "João Servidor",
    }
    assert card["body"][1]["text"] == "Senha P007 chamada"
    sent = json.dumps(card, ensure_ascii=False)
    assert not [t for t in ("Maria da Silva", "123.456", "0001234") if t in sent], sent
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Entrar na reunião",
            "url": "https://teams.microsoft.com/l/meetup-join/abc",
        }
    ]


def test_clerk_link_is_preferred_for_the_button() -> None:
    data = {**good("citizen_called").data, "clerk_join_url": "https://meet.example/room?jwt=clerk"}
    card = cards.build_card(Notification("citizen_called", "u", "Vara", data))
    assert list(urls(card)) == ["https://meet.example/room?jwt=clerk"]


def test_missing_join_url_is_said_in_the_card() -> None:
    data = {**good("citizen_called").data, "join_url": "javascript:alert(1)"}
    card = cards.build_card(Notification("citizen_called", "u", "Vara", data))
    assert "actions" not in card
    assert "Link da reunião indisponível." in list(texts(card))


@pytest.mark.parametrize("kind", ["citizen_called", "colleague_invited"])
def test_the_warning_speaks_of_the_meeting_link_only(kind: str) -> None:
    """The cards whose button joins the meeting say when its link is missing, whatever other link
    (the console's) the card has; a card with the link says nothing of the kind."""
    warning = "Link da reunião indisponível."
    with_link = {"join_url": "https://meet.example/room"}
    without = {"console_url": "https://balcao.example/console"}
    assert warning not in list(texts(cards.build_card(Notification(kind, "u", "Vara", with_link))))
    assert warning in list(texts(cards.build_card(Notification(kind, "u", "Vara", without))))


def test_no_clerk_online_variants() -> None:
    first = cards.build_card(good("no_clerk_online"))
    assert "Há uma pessoa aguardando e nenhum(a) servidor(a) está online." in list(texts(first))
    late = cards.build_card(Notification("no_clerk_online", "u", "Vara", {"minutes_unattended": 15}))
    assert "A unidade está aberta e ninguém atende há 15 minutos." in list(texts(late))


def test_meeting_failed_links_to_the_console() -> None:
    card = cards.build_card(good("meeting_failed"))
    assert card["actions"][0]["url"] == "https://balcao.example/console"
    assert "Teams indisponível \\(HTTP 503\\)" in list(texts(card))


def test_poison_message_card_masks_personal_data() -> None:
    data = {
        "queue": "notifications",
        "message_id": "m1",
        "summary": "falhou para maria@example.com CPF 123.456.789-09",
    }
    card = cards.build_card(Notification("poison_message", "u", "Vara", data))
    joined = " ".join(texts(card))
    assert "maria@example.com" not in joined and "123.456.789" not in joined
    assert "notifications" in joined


def test_coalesced_card_keeps_every_notification_and_its_button() -> None:
    notifications = [good("citizen_called"), good("meeting_failed"), good("no_clerk_online")]
    card = cards.build_coalesced_card(notifications)
    containers = [e for e in card["body"] if e["type"] == "Container"]
    assert len(containers) == 3
    assert card["body"][1]["text"] == "3 avisos"
    assert "actions" not in card
    assert list(urls(card)) == [
        "https://teams.microsoft.com/l/meetup-join/abc",
        "https://balcao.example/console",
        "https://balcao.example/c",
    ]


def test_build_payloads_splits_bursts_by_count_and_size() -> None:
    burst = [hostile("citizen_called", HOSTILE["long"]) for _ in range(25)]
    payloads = cards.build_payloads(burst, max_items_per_card=10)
    assert [len(carried) for _, carried in payloads] == [10, 10, 5] or all(
        len(carried) <= 10 for _, carried in payloads
    )
    assert sum(len(carried) for _, carried in payloads) == 25
    assert all(len(body) < cards.MAX_PAYLOAD_BYTES for body, _ in payloads)
    small_budget = cards.build_payloads(burst, max_items_per_card=10, max_bytes=8_000)
    assert len(small_budget) > len(payloads)
    assert all(len(body) <= 8_000 for body, _ in small_budget)
    assert cards.build_payloads([good("citizen_called")])[0][0] == cards.serialize_payload(
        cards.to_webhook_payload(cards.build_card(good("citizen_called")))
    )
