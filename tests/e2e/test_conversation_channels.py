"""One conversation, two channels (issue 18): the same scenarios, written once as data, run against the
web widget's driver and the WhatsApp driver.

- **widget**: `POST /api/conversa` as the widget calls it (the signed state given back each time), and,
  for two scenarios, the real widget in headless Chromium on a court's page (typing into its box and
  reading its bubbles: `test_the_widget_in_a_browser_holds_the_same_conversation`);
- **whatsapp**: `Microsoft.Communication.AdvancedMessageReceived` events posted to the dev host's Event
  Grid webhook, the replies read from the fake ACS (the real `azure-communication-messages` SDK sends them).

A scenario is a list of steps: what the citizen writes, and what the replies of that message must contain
(every fragment, in any reply) and must not contain. The expectations are the rule: the issue's words
("Ok! Você já está na fila", "posição", "sair" confirmed, "ajuda", anything else gets the help, a session
that expires) and the machine's and the validators' texts (domain/conversation/), never recorded output.
Each scenario starts a new conversation (a new number on WhatsApp, no state on the widget).
"""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import pytest
from playwright.sync_api import Browser, Page, expect

from domain.conversation import machine
from domain.conversation.questions import question
from functions import bootstrap
from tests.e2e.pages_support import PHONE, new_context
from tests.e2e.test_whatsapp_e2e import acs, acs_system, event, post
from tests.e2e.test_widget import CourtSite, court
from tests.fakes.fake_acs import FakeAcs
from tests.support.system import System

__all__ = ["acs", "court"]  # the fixtures of the WhatsApp and widget tests, shared

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]
UNIT_WORDS = "sjac 02"  # TRF1 - SJAC - 02ª Vara Federal Cível e Criminal: found by these words on both


# ------------------------------------------------------------------------------------------------
# The scenarios, once


@dataclass(frozen=True)
class Step:
    says: str
    expect: tuple[str, ...] = ()  # fragments some reply must contain (a `re:` prefix: a regular expression)
    refuse: tuple[str, ...] = ()  # fragments no reply may contain
    idle_s: int = 0  # seconds without a message before this one


def ask(key: str) -> str:
    return question(key).ask


NAME = "{name}"  # a new person for each run (one person holds one ticket per unit)
HELLO = Step("oi", (machine.WELCOME, "Escolha a unidade"))
UNIT = Step(UNIT_WORDS, ("Você escolheu: TRF1 - SJAC - 02ª Vara", "art. 4º", ask("name")))
# A party, no process, the first subject, no priority, no companion, no accessibility need: joined.
JOIN = (
    HELLO,
    UNIT,
    Step(NAME, (ask("role"),)),
    Step("1", (ask("processNumber"),)),
    Step("0", (ask("reason"),)),
    Step("1", (ask("priority"),)),
    Step("0", (ask("companions"),)),
    Step("0", (ask("accessibility"),)),
    Step("0", (machine.JOINED, "Por favor aguarde para ser atendido!")),
)
POSITION = r"re:Sua senha é \S+\. Na sua frente: (ninguém|\d+ pessoas?)\.|Seu pedido está sendo registrado"

SCENARIOS: dict[str, Sequence[Step]] = {
    "join-then-position": (*JOIN, Step("posição", (POSITION,))),
    "leave-confirmed": (
        *JOIN,
        Step("sair", ("Quer mesmo sair?",)),
        Step("nao", ("Certo, você continua na fila.",)),
        Step("sair", ("Quer mesmo sair?",)),
        Step("sim", ("Você saiu da fila. Sua senha foi cancelada.",)),
        Step("posição", (machine.NOT_IN_LINE,)),
    ),
    "help-and-unknown-text": (
        HELLO,
        UNIT,
        Step("ajuda", (machine.HELP, ask("name"))),  # the help, then the question again
        *JOIN[2:],
        Step("quero um café", ("Não entendi. " + machine.HELP,)),
        Step("atendente", (machine.BY_CHAT,)),  # both channels carry the attendance by chat
    ),
    "invalid-oab-refused": (
        HELLO,
        UNIT,
        Step("Dra. Ana Lima", (ask("role"),)),
        Step("advogado", (ask("oab"),)),
        Step("abc", ("Escreva o número e a UF da OAB, por exemplo: 123456 SP.", ask("oab"))),
        Step("123456 XX", ("Informe a UF da seccional da OAB.",), (ask("processNumber"),)),
        Step("123456 ac", (ask("processNumber"),)),
    ),
    "leaving-before-joining-forgets-the-answers": (
        HELLO,
        UNIT,
        Step("sair", ("as suas respostas foram apagadas",)),
        Step("oi", (machine.WELCOME,)),
    ),
    # Last: it moves the system's clock past the idle time.
    "session-expires": (
        HELLO,
        UNIT,
        Step(NAME, (ask("role"),)),
        Step(
            "1",
            ("A conversa anterior foi encerrada por falta de resposta.", machine.WELCOME),
            (ask("processNumber"),),
            idle_s=machine.IDLE_MS // 1000 + 60,
        ),
    ),
}


# ------------------------------------------------------------------------------------------------
# The drivers


class Driver(Protocol):
    def say(self, text: str) -> list[str]:
        """Send what the citizen writes; the replies, each as text with its options' labels."""
        ...


class WidgetHttp:
    """The widget's calls: `POST /api/conversa` with the state it was given back."""

    def __init__(self, system: System) -> None:
        self.system, self.state = system, ""

    def say(self, text: str) -> list[str]:
        body = {"state": self.state, "text": text} if self.state else {}  # the widget opens with no text
        answer = self.system.client.post("/api/conversa", json=body)
        assert answer.status_code == 200, answer.text
        turn = answer.json()
        self.state = turn["state"]
        return ["\n".join([m["text"], *(o["label"] for o in m["options"])]) for m in turn["messages"]]


class WidgetBrowser:
    """The real widget on a court's page (its own origin, strict CSP) in headless Chromium: the citizen
    types into its box; the replies are its new bot bubbles, with the options it shows."""

    def __init__(self, page: Page, court: CourtSite) -> None:
        self.page, self.court, self.opened = page, court, False
        self.root = page.locator("balcao-virtual")

    def say(self, text: str) -> list[str]:
        before = self.root.locator("li.msg.bot").count()
        with self.page.expect_response(lambda r: r.url.endswith("/api/conversa")):
            if not self.opened:  # the widget opens the conversation by itself
                self.page.goto(self.court.origin + "/")
                self.opened = True
            else:
                self.root.get_by_label("Sua resposta").fill(text)
                self.root.get_by_label("Sua resposta").press("Enter")
        expect(self.root.locator("li.msg.bot")).not_to_have_count(before)
        expect(self.root.get_by_role("log")).not_to_have_attribute("aria-busy", "true")
        replies = self.root.locator("li.msg.bot .texto").all_inner_texts()[before:]
        options = self.root.locator("form .opcoes button, form label.opcao").all_inner_texts()
        return [*replies[:-1], "\n".join([replies[-1], *options])] if replies else []


class WhatsApp:
    """Event Grid events from one number to the dev host; the replies the fake ACS received for it."""

    numbers = itertools.count(100)

    def __init__(self, system: System, acs: FakeAcs) -> None:
        self.system, self.acs = system, acs
        self.digits = f"55689991{next(self.numbers):05d}"

    def texts(self) -> list[str]:
        return [
            str(r.body.get("content"))
            for r in self.acs.sent
            if r.path == "/messages/notifications:send" and r.body.get("to") == [f"+{self.digits}"]
        ]

    def say(self, text: str) -> list[str]:
        before = len(self.texts())
        sent = event(self.acs, text, sender=self.digits, at=bootstrap.get().now())
        assert post(self.system, sent) == 202
        return self.texts()[before:]


# ------------------------------------------------------------------------------------------------
# The system, with a clock the session-expiry scenario moves


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def system(acs: FakeAcs, clock: Clock, court: CourtSite) -> Iterator[System]:
    with acs_system(acs, clock=clock, court_origins=[court.origin]) as running:
        court.start(running.base_url)
        yield running


DRIVERS: dict[str, Callable[[System, FakeAcs], Driver]] = {
    "widget": lambda system, acs: WidgetHttp(system),
    "whatsapp": lambda system, acs: WhatsApp(system, acs),
}


def found(fragment: str, replies: Sequence[str]) -> bool:
    """Whether a reply holds `fragment`; WhatsApp's bold marks (`*posição*`) are formatting, not words
    (the widget shows the words without them)."""
    replies = [r.replace("*", "") for r in replies]
    if fragment.startswith("re:"):
        return any(re.search(fragment[3:], r) for r in replies)
    return any(fragment.replace("*", "") in r for r in replies)


PEOPLE = (f"Maria {a}{b}" for a, b in itertools.product("BCDFGHJLMNPRSTV", "aeiou"))


def play(driver: Driver, steps: Sequence[Step], clock: Clock) -> None:
    name = next(PEOPLE)
    for i, step in enumerate(steps):
        clock.offset += timedelta(seconds=step.idle_s)
        replies = driver.say(step.says.replace(NAME, name))
        where = f"step {i} ({step.says!r}) got {replies!r}"
        assert replies, where
        for fragment in step.expect:
            assert found(fragment, replies), f"{where}: missing {fragment!r}"
        for fragment in step.refuse:
            assert not found(fragment, replies), f"{where}: should not say {fragment!r}"


@pytest.mark.parametrize("channel", sorted(DRIVERS))
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_same_conversation_on_both_channels(
    system: System, acs: FakeAcs, clock: Clock, scenario: str, channel: str
) -> None:
    play(DRIVERS[channel](system, acs), SCENARIOS[scenario], clock)


@pytest.mark.browser
@pytest.mark.parametrize("scenario", ["help-and-unknown-text", "invalid-oab-refused"])
def test_the_widget_in_a_browser_holds_the_same_conversation(
    system: System, court: CourtSite, chromium: Browser, clock: Clock, scenario: str
) -> None:
    """Two scenarios through the real widget too (a browser per scenario costs seconds; the others run
    against its endpoint above): what the page shows is what the endpoint answers."""
    context = new_context(chromium, system, viewport=PHONE, behind_swa=False)
    try:
        play(WidgetBrowser(context.new_page(), court), SCENARIOS[scenario], clock)
    finally:
        context.close()


def test_a_state_the_server_did_not_sign_is_refused_and_nothing_is_joined(system: System) -> None:
    driver = WidgetHttp(system)
    name = next(PEOPLE)
    for step in JOIN[:-1]:
        driver.say(step.says.replace(NAME, name))
    payload, _, signature = driver.state.partition(".")
    record = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    forged = re.sub(r"Maria [A-Z][a-z]", "Outra Pessoa", record)
    assert forged != record
    edited = base64.urlsafe_b64encode(forged.encode()).decode().rstrip("=")
    for state in (f"{edited}.{signature}", f"{payload}.k1.{'A' * 43}", "nada", payload):
        answer = system.client.post("/api/conversa", json={"state": state, "text": "0"})
        assert answer.status_code == 400, answer.text
        problem = answer.json()
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert problem["detail"].startswith("Não foi possível continuar esta conversa.")
    queue = system.client.get(
        "/api/clerk/units/trf1-sjac-02vf/queue", headers=system.clerk("ana.souza@trf1.jus.br")
    )
    assert "Outra Pessoa" not in queue.text
    too_long = system.client.post("/api/conversa", json={"state": driver.state, "text": "x" * 1001})
    assert too_long.status_code == 400 and "1000 caracteres" in str(too_long.json()), too_long.text
    unknown = system.client.post("/api/conversa", json={"state": driver.state, "texto": "0"})
    assert unknown.status_code == 400 and "campo não reconhecido" in str(unknown.json())


def test_the_widget_joins_with_the_ticket_the_join_api_gives_and_resumes_it(system: System) -> None:
    driver = WidgetHttp(system)
    name = next(PEOPLE)
    for step in JOIN:
        driver.say(step.says.replace(NAME, name))
    answer = system.client.post("/api/conversa", json={"state": driver.state, "text": "posição"}).json()
    ticket = answer["ticket"]
    assert ticket["ticketId"].startswith("trf1-sjac-02vf.")
    assert ticket["statusUrl"].endswith(f"/api/tickets/{ticket['ticketId']}")
    polled = system.client.get(
        f"/api/tickets/{ticket['ticketId']}", headers={"Authorization": f"Bearer {ticket['token']}"}
    )
    assert polled.status_code == 200 and polled.json()["status"] in ("pending", "waiting")
    # A page reloaded: no state, the kept ticket and its token; "sair" then works on that ticket.
    resumed = system.client.post(
        "/api/conversa", json={"ticketId": ticket["ticketId"], "token": ticket["token"], "text": "sair"}
    ).json()
    assert "Quer mesmo sair?" in resumed["messages"][0]["text"]
    bad = system.client.post(
        "/api/conversa", json={"ticketId": ticket["ticketId"], "token": "k1.xyz", "text": "sair"}
    )
    assert bad.status_code == 400 and bad.json()["detail"].startswith("Não foi possível continuar")
    done = system.client.post("/api/conversa", json={"state": resumed["state"], "option": "sim"}).json()
    assert done["messages"][0]["text"] == "Você saiu da fila. Sua senha foi cancelada."
    assert done["ticket"] is None and done["step"] == "end"
    gone = system.client.get(
        f"/api/tickets/{ticket['ticketId']}", headers={"Authorization": f"Bearer {ticket['token']}"}
    )
    assert gone.json()["status"] == "left"
