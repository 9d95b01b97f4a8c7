"""The cards' console buttons open the console at the card's ticket: a Teams deep link to the Balcão
Virtual app's "Fila" tab when the court installed the app (the format Teams documents for deep links
to a tab: `https://teams.microsoft.com/l/entity/<app id>/<entityId>?webUrl=&label=&context=`, with the
ticket as `subEntityId`), else the web console with `&senha=`; through the real webhook notifier, on a
local webhook receiver."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from adapters import cards
from adapters.teams_webhook import Pacing, TeamsWebhookNotifier, WebhookTuning
from domain.ports import Notification
from tests.fakes.fake_webhook import FakeWebhook

ROOT = Path(__file__).resolve().parents[2]
APP = "0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9"
CONSOLE = "https://balcao.trf1.jus.br/servidor.html?unidade=trf1-sjac-01vf"
TICKET = "trf1-sjac-01vf.20261214.abcdefghjk"


def test_without_the_teams_app_the_button_opens_the_web_console_at_the_ticket() -> None:
    assert cards.console_link(CONSOLE, TICKET) == f"{CONSOLE}&senha={TICKET}"
    assert cards.console_link(CONSOLE) == CONSOLE
    assert cards.console_link("javascript:alert(1)", TICKET, APP) is None


def test_with_the_teams_app_the_button_opens_the_fila_tab_at_the_ticket() -> None:
    link = cards.console_link(CONSOLE, TICKET, APP)
    assert link is not None
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "teams.microsoft.com",
        f"/l/entity/{APP}/fila",
    )
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["webUrl"] == f"{CONSOLE}&senha={TICKET}"
    assert json.loads(query["context"]) == {"subEntityId": TICKET}
    assert query["label"]
    manifest = json.loads((ROOT / "appPackage" / "manifest.json").read_text(encoding="utf-8"))
    assert cards.CONSOLE_TAB in [t["entityId"] for t in manifest["staticTabs"]]


def test_the_notifier_gives_every_console_button_the_deep_link() -> None:
    failed = Notification(
        "meeting_failed",
        "trf1-sjac-01vf",
        "TRF1 - SJAC - 01ª Vara",
        {"ticket_id": TICKET, "display_number": "P007", "error": "x", "console_url": CONSOLE},
        dedup_key="k1",
    )
    called = Notification(
        "citizen_called",
        "trf1-sjac-01vf",
        "TRF1 - SJAC - 01ª Vara",
        {"ticket_id": TICKET, "join_url": "https://meet.example/r", "console_url": CONSOLE},
        dedup_key="k2",
    )
    with (
        FakeWebhook() as hook,
        TeamsWebhookNotifier(
            teams_app_id=APP, tuning=WebhookTuning(pacing=Pacing(coalesce_window=0))
        ) as notifier,
    ):
        notifier.send(hook.url("/canal"), [failed])
        notifier.send(hook.url("/canal"), [called])
        buttons = [
            action["url"]
            for received in hook.received
            for attachment in received.body["attachments"]
            for action in attachment["content"].get("actions", [])
        ]
    deep = cards.console_link(CONSOLE, TICKET, APP)
    assert buttons == [deep, "https://meet.example/r", deep]
