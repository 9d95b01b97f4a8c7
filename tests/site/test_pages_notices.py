"""The waiting page off the page (issue 13, points 2 and 5), in Debian's Chromium at 360 px on a throttled
network and CPU, against the dev host:

- the web app manifest, its icons and the service worker are served with the types a browser requires,
  under the pages' Content-Security-Policy, and the worker takes the page (scope /);
- with the network off, reloading the waiting page opens the worker's copy of its shell, which says
  "Sem conexão… Sua vaga continua guardada";
- a Web Push message delivered to the worker (DevTools Protocol `ServiceWorker.deliverPushMessage`, the
  API's payload) shows a notification with the two actions; a click on it brings the citizen's tab to
  the call, and "Estou aqui" is posted by the worker with the token from the link's fragment;
- a notice's link hands the place to the page, which takes the token out of the address bar.

Clicking a notification: headless Chromium shows no notification to click, so the test dispatches a
`NotificationEvent("notificationclick")` inside the worker (Playwright's `Worker.evaluate`) with the
notification `getNotifications()` returns. A synthetic event does not grant the worker the "window
interaction" a real click does (`clients.openWindow` and `WindowClient.focus` are refused), so the test
uses the path that needs none: the citizen's tab is on another citizen page of the site, and the worker
navigates it (`WindowClient.navigate`) to the link.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, CDPSession, Locator, Page, expect

from tests.e2e.pages_support import (
    assert_accessible,
    assert_fits,
    clerk_post,
    fill_join_form,
    join,
    screenshot,
    wait_status,
)
from tests.fakes.fake_channels import RecordingChannel
from tests.site.notices_support import (
    CHANNELS,
    FAST_4G,
    controlled,
    noticing_system,
    phone,
    push_subscription,
    until,
    waiting_page,
    worker,
)
from tests.support.system import System

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

UNIT = "trf1-sjac-02vf"
ANA = "ana.souza@trf1.jus.br"
OFFLINE_TEXT = re.compile(r"Sem conexão.*Sua vaga continua guardada", re.DOTALL)
NOTIFICATIONS = """navigator.serviceWorker.ready.then((r) => r.getNotifications())
  .then((all) => all.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data,
                                   actions: n.actions.map((a) => a.action) })))"""


@pytest.fixture(scope="module")
def channels() -> dict[str, RecordingChannel]:
    return {name: RecordingChannel(name) for name in CHANNELS}  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def system(channels: dict[str, RecordingChannel]) -> Iterator[System]:
    with noticing_system(channels) as running:
        yield running


def waiting_phone(
    browser: Browser, system: System, name: str
) -> tuple[dict[str, Any], BrowserContext, Page, CDPSession]:
    """`name` joins the line; their phone shows the waiting page, under the service worker."""
    ticket = join(system, UNIT, name)
    wait_status(system, ticket, "waiting")
    context, page, cdp = waiting_page(browser, system, ticket, UNIT)
    return ticket, context, page, cdp


def pushed(page: Page, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The notifications on screen that show `payload` (the page may show its own of the call)."""
    shown: list[dict[str, Any]] = page.evaluate(NOTIFICATIONS)
    return [n for n in shown if n["body"] == payload["body"]]


def leave(system: System, ticket: dict[str, Any]) -> None:
    """The ticket leaves the line, so the next test's citizen is the one the clerk calls."""
    auth = {"Authorization": f"Bearer {ticket['token']}"}
    assert system.client.delete(f"/api/tickets/{ticket['ticketId']}", headers=auth).status_code == 204


def link_of(system: System, ticket: dict[str, Any]) -> str:
    """A notice's link as api13.md gives it: the token only in the fragment."""
    return f"{system.base_url}/#u={UNIT}&t={ticket['ticketId']}.{ticket['token']}"


def test_the_manifest_its_icons_and_the_worker_are_served_as_a_browser_requires(system: System) -> None:
    manifest = system.client.get("/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    data = manifest.json()
    assert data["lang"] == "pt-BR" and data["display"] == "standalone"
    assert data["start_url"] == "/" and data["scope"] == "/"  # the waiting page (index.html keeps the place)
    assert data["short_name"] and len(data["short_name"]) <= 15  # what a launcher shows under the icon
    sizes = set()
    for icon in data["icons"]:
        answer = system.client.get(icon["src"])
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/png", icon
        image = Image.open(BytesIO(answer.content))
        assert f"{image.size[0]}x{image.size[1]}" == icon["sizes"], icon
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
    script = system.client.get("/sw.js")
    assert script.status_code == 200
    assert script.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript")
    # Served under the pages' policy: the worker's own fetches are held to connect-src 'self'.
    assert "connect-src 'self'" in script.headers["content-security-policy"]
    assert script.headers["cache-control"] == "no-cache"  # a new release's worker is seen at once


def test_the_worker_takes_the_page_and_the_page_links_the_manifest(system: System, chromium: Browser) -> None:
    context, page, _ = phone(chromium, system)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto("/")
    controlled(page)
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{system.base_url}/"
    href = page.evaluate("document.querySelector('link[rel=manifest]').href")
    assert href == f"{system.base_url}/manifest.webmanifest"
    assert violations == []
    context.close()


def test_with_the_network_off_the_waiting_page_opens_from_the_workers_copy(
    system: System, chromium: Browser
) -> None:
    ticket, context, page, cdp = waiting_phone(chromium, system, "Pessoa Sem Rede")
    expect(page.locator("#espera-posicao")).to_have_text(re.compile(r"\d"))

    # Off for the page (DevTools Protocol) and for the worker too: the page's emulation does not reach a
    # service worker's own fetches, Playwright's offline mode for the context does.
    cdp.send("Network.emulateNetworkConditions", {**FAST_4G, "offline": True})
    context.set_offline(True)
    probe = "fetch('/manifest.webmanifest', { cache: 'no-store' }).then(() => 'reached', () => 'offline')"
    assert worker(context).evaluate(probe) == "offline"
    page.reload()
    expect(page.locator("#titulo-espera")).to_be_visible()
    expect(page.locator("#espera-conexao")).to_have_text(OFFLINE_TEXT, timeout=20_000)
    # Nothing from the API was kept: the cache holds the shell's files only.
    kept = page.evaluate(
        "caches.keys().then((names) => Promise.all(names.map((n) => caches.open(n)"
        ".then((c) => c.keys())))).then((lists) => lists.flat().map((r) => r.url))"
    )
    assert kept and not [url for url in kept if "/api/" in url or ticket["token"] in url], kept

    context.set_offline(False)
    cdp.send("Network.emulateNetworkConditions", FAST_4G)
    expect(page.locator("#espera-conexao")).to_be_hidden(timeout=20_000)  # back online: it reconnects
    context.close()
    leave(system, ticket)


def test_a_push_shows_the_notice_and_a_click_brings_the_citizen_to_the_call(
    system: System, chromium: Browser
) -> None:
    ticket, context, page, cdp = waiting_phone(chromium, system, "Pessoa Avisada")
    # The citizen looks at another citizen page of the site while waiting.
    page.goto(f"/agendar.html?unidade={UNIT}")
    controlled(page)

    registrations: list[dict[str, Any]] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda ev: registrations.extend(ev["registrations"]))
    cdp.send("ServiceWorker.enable")
    until(page, lambda: registrations)
    called = clerk_post(system, ANA, f"{UNIT}/call")
    assert called.status_code == 200, called.text
    wait_status(system, ticket, "called")

    payload = {
        "kind": "called",
        "title": "Balcão Virtual: agora é sua vez",
        "body": "Você foi chamado(a). Toque para entrar no atendimento.",
        "url": link_of(system, ticket),
        "ticket": ticket["ticketId"],
        "actions": [
            {"action": "open", "title": "Entrar no atendimento"},
            {"action": "here", "title": "Estou aqui"},
        ],
    }
    scope = next(r for r in registrations if r["scopeURL"] == f"{system.base_url}/" and not r["isDeleted"])
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": f"{system.base_url}/",
            "registrationId": scope["registrationId"],
            "data": json.dumps(payload),
        },
    )
    [shown] = until(page, lambda: pushed(page, payload), timeout=20)
    assert shown["title"] == payload["title"] and shown["body"] == payload["body"]
    assert shown["tag"] == ticket["ticketId"]
    assert shown["actions"] == ["open", "here"]
    assert shown["data"]["url"] == payload["url"]

    click = """async ([action, body]) => {
      const n = (await self.registration.getNotifications()).find((x) => x.body === body);
      self.dispatchEvent(new NotificationEvent("notificationclick", { notification: n, action }));
      return n.tag;
    }"""
    sw = worker(context)
    # Its body (the default action): the citizen's tab is brought to the call.
    with page.expect_navigation(timeout=15_000):
        sw.evaluate(click, ["", payload["body"]])
    expect(page.locator("#titulo-chamada")).to_have_text("Próximo! Agora é sua vez", timeout=15_000)
    assert "#" not in page.url and ticket["token"] not in page.url  # the token left the address bar
    # The clicked notice is closed (the page, called, may show its own notification of the call).
    assert pushed(page, payload) == []
    # "Estou aqui" from the notification: the worker posts it with the token of the link's fragment.
    # (The page, called, shows its own notification of the call first; the push of the same tag then
    # replaces it.)
    until(page, lambda: page.evaluate(NOTIFICATIONS), timeout=20)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": f"{system.base_url}/",
            "registrationId": scope["registrationId"],
            "data": json.dumps(payload),
        },
    )
    until(page, lambda: pushed(page, payload), timeout=20)
    sent: list[dict[str, Any]] = []
    context.on(
        "request",
        lambda r: (
            sent.append({"method": r.method, "url": r.url, "headers": r.headers, "body": r.post_data})
            if r.service_worker and r.url.endswith("/here")
            else None
        ),
    )
    assert sw.evaluate(click, ["here", payload["body"]]) == ticket["ticketId"]
    until(page, lambda: sent)
    [here] = sent
    assert here["method"] == "POST"
    assert here["url"] == f"{system.base_url}/api/tickets/{ticket['ticketId']}/here"
    assert here["headers"]["x-balcao-authorization"] == f"Bearer {ticket['token']}"  # through the SWA
    assert here["headers"]["content-type"] == "application/json"

    context.close()


def test_a_notice_link_hands_the_place_over_and_leaves_no_token_behind(
    system: System, chromium: Browser
) -> None:
    ticket = join(system, UNIT, "Pessoa do Link")
    wait_status(system, ticket, "waiting")
    context, page, _ = phone(chromium, system)
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    # The link as api13.md writes it names entrar.html: that page hands it to the waiting page.
    page.goto(f"/entrar.html#u={UNIT}&t={ticket['ticketId']}.{ticket['token']}")
    expect(page.locator("#titulo-espera")).to_be_visible(timeout=15_000)
    expect(page.locator("#espera-posicao")).to_have_text(re.compile(r"\d"))
    assert page.url == f"{system.base_url}/", page.url
    kept = json.loads(page.evaluate("localStorage.getItem('balcao.senha')"))
    assert (kept["ticketId"], kept["token"]) == (ticket["ticketId"], ticket["token"])
    assert not [url for url in seen if ticket["token"] in url], "the token went to a server in a URL"
    context.close()
    leave(system, ticket)


CHOICE_UNIT = "trf1-sjam-01vf"  # clerk Carla
CARLA = "carla.mendes@trf1.jus.br"
MARKUP = "<img src=x onerror=window.__xss=1>"


def whatsapp_fixed_after_a_ddd_that_does_not_exist(page: Page, prefix: str, button: str, name: str) -> None:
    """The citizen picks WhatsApp with DDD 20 (none in Anatel's table): refused next to the field, then
    typed again with DDD 97; the form is left ready to send."""
    page.check(f"#{prefix}-canal-whatsapp")
    page.fill(f"#{prefix}-telefone", "(20) 99123-4567")
    page.click(button)
    expect(page.locator(f"#{prefix}-telefone-erro")).to_have_text("o DDD 20 não existe no Brasil")
    assert_fits(page)
    assert_accessible(page, name)
    page.fill(f"#{prefix}-telefone", "(97) 99123-4567")


def choices_on(
    browser: Browser, system: System, path: str, prefix: str
) -> tuple[BrowserContext, Page, Locator]:
    """A phone on the form at `path`, which asks "Como quer ser avisado?" (ids starting `prefix`)."""
    context, page, _ = phone(browser, system)
    page.goto(path)
    choices = page.locator(f"#{prefix}-canais")
    expect(choices.locator("legend")).to_have_text("Como quer ser avisado?")
    return context, page, choices


def test_the_choices_on_joining_and_waiting_estou_aqui_and_a_lost_subscription(
    system: System, chromium: Browser, channels: dict[str, RecordingChannel]
) -> None:
    context, page, choices = choices_on(chromium, system, f"/?unidade={CHOICE_UNIT}", "entrada-aviso")
    # The unit offers what the deployment set up (the four) and the page says what each does.
    expect(choices.locator("input[name=aviso]")).to_have_count(4)
    expect(choices).to_contain_text("apagados junto com a sua senha")
    fill_join_form(page, f"Maria {MARKUP} Silva")
    for channel in ("push", "whatsapp", "email"):
        page.check(f"#entrada-aviso-canal-{channel}")
    page.fill("#entrada-aviso-telefone", "(20) 99123-4567")  # 20 is no DDD in Anatel's table
    page.fill("#entrada-aviso-email", "maria.silva@exemplo.com.br")
    assert_fits(page)
    assert_accessible(page, "notices-join-choices-360")
    page.click("#botao-entrar")
    # The server's 400 names the field; the page shows its pt-BR message beside the phone.
    expect(page.locator("#entrada-aviso-telefone-erro")).to_have_text("o DDD 20 não existe no Brasil")
    expect(page.locator("#entrada-aviso-telefone")).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("localStorage.getItem('balcao.senha')") is None, "refused: nothing joined"
    screenshot(page, "notices-01-join-error-360")
    page.evaluate("window.scrollTo(0, 0)")  # axe decides contrast with nothing under the sticky top bar
    assert_accessible(page, "notices-join-error-360")

    page.fill("#entrada-aviso-telefone", "(92) 99123-4567")
    page.click("#botao-entrar")
    expect(page.locator("#titulo-espera")).to_be_visible()
    # No push here (Playwright's contexts are incognito, where Chrome has no Push API, and this machine
    # reaches no push service): the citizen joined without it and is told so, with the other channels.
    expect(page.locator("#espera-aviso-push-status")).to_contain_text("Você entrou na fila sem a notificação")
    told = page.locator("#espera-avisado")
    expect(told).to_have_text("Você será avisado(a) por WhatsApp e e-mail, mesmo com esta página fechada.")
    kept = json.loads(page.evaluate("localStorage.getItem('balcao.senha')"))
    ticket = {"ticketId": kept["ticketId"], "token": kept["token"]}
    auth = {"Authorization": f"Bearer {ticket['token']}"}

    # The subscription a browser with a push service would have made, registered as the page does it.
    mine = [
        {"channel": "push", "subscription": push_subscription()},
        {"channel": "whatsapp", "phone": "+5592991234567"},
        {"channel": "email", "email": "maria.silva@exemplo.com.br"},
    ]
    answer = system.client.put(
        f"/api/tickets/{ticket['ticketId']}/notices", json={"notices": mine}, headers=auth
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"noticeChannels": ["push", "whatsapp", "email"], "reachable": True}
    expect(told).to_have_text(
        "Você será avisado(a) por notificação, WhatsApp e e-mail, mesmo com esta página fechada."
    )

    # On the waiting page: a bad e-mail is refused beside its field, as typed and never as markup.
    details = page.locator("#espera-opcoes-aviso")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    expect(page.locator("#espera-aviso-telefone")).to_have_value("+5592991234567")
    page.fill("#espera-aviso-email", f"{MARKUP}@exemplo.com.br")
    page.click("#salvar-avisos")
    expect(page.locator("#espera-aviso-email-erro")).to_contain_text("informe um e-mail válido")
    expect(page.locator("#espera-aviso-email")).to_have_value(f"{MARKUP}@exemplo.com.br")
    assert page.locator("main img").count() == 0 and page.evaluate("window.__xss") is None
    assert_accessible(page, "notices-waiting-choices-360")

    # Near the front (position ≤ 3): the big "Estou aqui".
    here = page.get_by_role("button", name="Estou aqui")
    expect(here).to_be_visible()
    screenshot(page, "notices-02-waiting-near-front-360")
    here.click()
    expect(page.locator("#espera-aqui-texto")).to_contain_text("Você confirmou que está aqui")
    expect(here).to_be_hidden()
    assert wait_status(system, ticket, "waiting")["hereConfirmed"] is True

    # The push service answers "gone" (404/410) to the call's notice: the page offers to subscribe again.
    channels["push"].gone = True
    called = clerk_post(system, CARLA, f"{CHOICE_UNIT}/call")
    assert called.status_code == 200, called.text
    lost = page.locator("#espera-canal-perdido")
    expect(lost).to_contain_text(
        "Não conseguimos mais avisar você por notificação. Ative de novo", timeout=20_000
    )
    expect(told).to_have_text("Você será avisado(a) por WhatsApp e e-mail, mesmo com esta página fechada.")
    screenshot(page, "notices-03-channel-lost-360")
    assert_accessible(page, "notices-channel-lost-360")
    page.get_by_role("button", name="Ativar as notificações de novo").click()
    # Here again no push service: the citizen is told why, next to the choices.
    expect(page.locator("#espera-aviso-push-status")).to_contain_text(
        "Não foi possível ligar as notificações"
    )
    channels["push"].gone = False
    context.close()


MESSAGE_UNIT, ELISA = "tjam-tefe-vu", "elisa.prado@tjam.jus.br"  # the asynchronous channel


def test_the_message_form_asks_how_to_be_told_of_the_reply_and_the_reply_is_told(
    system: System, chromium: Browser, channels: dict[str, RecordingChannel]
) -> None:
    context, page, choices = choices_on(
        chromium, system, f"/mensagem.html?unidade={MESSAGE_UNIT}", "mensagem-aviso"
    )
    expect(choices).to_contain_text("quando a unidade responder")
    expect(choices).to_contain_text("apagados junto com a mensagem")
    page.fill("#nome", "Raimundo Nonato")
    page.check("#papel-parte")
    page.select_option("#assunto", "orientacao")
    page.fill("#texto", "A audiência de segunda-feira foi mantida?")
    whatsapp_fixed_after_a_ddd_that_does_not_exist(
        page, "mensagem-aviso", "#botao-enviar", "notices-message-choices-360"
    )
    page.click("#botao-enviar")
    expect(page.locator("#msg-protocolo")).to_have_text(re.compile(r"^TJAM-TEFE-VU-\d{4}-\d{6}$"))
    protocol = page.locator("#msg-protocolo").inner_text()
    message_id = page.url.split("mensagem=", 1)[1].split("#", 1)[0]
    before = len(channels["whatsapp"].sent)
    answer = clerk_post(
        system, ELISA, f"{MESSAGE_UNIT}/messages/{message_id}/reply", {"text": "Sim, foi mantida."}
    )
    assert answer.status_code == 200, answer.text
    told = until(
        page, lambda: [n for n in channels["whatsapp"].sent[before:] if n.kind == "reply"], timeout=20
    )
    [reply] = told
    assert reply.contact == "+5597991234567" and protocol in reply.text and "Raimundo" not in reply.text
    address, _, fragment = reply.link.partition("#")
    assert address.endswith(f"/mensagem.html?mensagem={message_id}") and fragment.startswith("t=")
    page.goto("about:blank")
    page.goto(reply.link)  # the notice's link opens the message, with the reply
    expect(page.locator("#msg-resposta-texto")).to_have_text("Sim, foi mantida.")
    context.close()


def test_the_booking_form_asks_how_to_be_reminded_and_sends_the_choice_with_the_booking(
    system: System, chromium: Browser
) -> None:
    context, page, choices = choices_on(
        chromium, system, f"/agendar.html?unidade={MESSAGE_UNIT}", "agendar-aviso"
    )
    expect(choices).to_contain_text("lembra você do horário")
    expect(choices).to_contain_text("apagados junto com o agendamento")
    page.fill("#nome", "Raimunda Nonata")
    page.check("#papel-parte")
    page.select_option("#assunto", "orientacao")
    page.locator("#horario input[type=radio]").first.check()
    whatsapp_fixed_after_a_ddd_that_does_not_exist(
        page, "agendar-aviso", "#botao-agendar", "notices-booking-choices-360"
    )
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/appointments")) as sent:
        page.click("#botao-agendar")
    expect(page.locator("#ag-situacao")).to_have_text("Agendado")
    notices = sent.value.post_data_json["notices"]
    assert [n["channel"] for n in notices] == ["whatsapp"]
    assert re.sub(r"\D", "", notices[0]["phone"]).endswith("97991234567")
    context.close()
