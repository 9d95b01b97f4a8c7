"""The conversational widget `<balcao-virtual>` embedded in a court's page on another origin.

The test serves the court's page itself (its own origin, a strict Content-Security-Policy with no
'unsafe-inline' and no style source at all) with the one `<script type="module">` tag pointing at the dev
host; the dev host answers the CORS preflights for that origin as the platform does in Azure. A citizen
goes through the whole journey at 360 px with the keyboard alone: finds the unit, answers the questions
one at a time, asked by the server's conversation (POST /api/conversa, the same as WhatsApp's; a wrong
process number is refused and asked again), joins, sees the position bubbles,
is called and gets "Entrar no atendimento", answers the survey. axe-core finds no WCAG 2.1 AA violation
in any state, and the page reports no CSP violation. The widget's size is measured gzipped.
"""

from __future__ import annotations

import gzip
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Response, ViewportSize, expect

from domain.validation import cnj_check_digits
from tests.e2e.pages_support import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_fits,
    clerk_post,
    join,
    keep_place,
    new_context,
    push_near_cap,
    screenshot,
    ticket_view,
    wait_status,
)
from tests.support.azurite import free_port
from tests.support.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

SITE = Path(__file__).resolve().parents[2] / "site"
ENTRY = SITE / "assets" / "js" / "balcao-virtual.js"
MAX_GZIPPED = 30 * 1024  # the budget for everything the one script tag loads

UNIT = "tjac-rbr-1vce"  # 1ª Vara Cível e Empresarial, Rio Branco; clerk Diego
UNIT_NAME = "1ª Vara Cível e Empresarial"
DIEGO = "diego.rocha@tjac.jus.br"
CHECK = cnj_check_digits("0704512", "2025", "8", "01", "0001")
PROCESS = f"0704512{CHECK}2025801" + "0001"  # typed as 20 numbers, without the dots and dash


# The widget runs on a court's own site and calls the API across origins. Playwright's interception of
# those requests (pages_support.behind_static_web_app) stalled the widget's chat in a module's second
# context (seen: no request left the page), so the widget's contexts go without it; the token header it
# sends is the pages' own (api.js ticketAuth), covered behind the stand-in by the citizen pages' tests.
WIDGET_ACROSS_ORIGINS = False


def module_graph(entry: Path) -> list[Path]:
    """Every module the entry imports, directly or not (static `import … from "./x.js"`)."""
    seen: list[Path] = []
    todo = [entry.resolve()]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.append(path)
        text = path.read_text(encoding="utf-8")
        for spec in re.findall(r'^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"', text, re.M | re.S):
            todo.append((path.parent / spec).resolve())
        for spec in re.findall(r'^\s*import\s+"(\.[^"]+)"', text, re.M):
            todo.append((path.parent / spec).resolve())
    return seen


def test_the_widget_and_everything_it_loads_weigh_at_most_30_kb_gzipped() -> None:
    files = module_graph(ENTRY)
    names = {p.name for p in files}
    # The graph is really followed (the proof of work, the ticket's view); the questions are the server's
    # now (POST /api/conversa, the same conversation as WhatsApp): none of their modules is loaded.
    assert {"balcao-virtual.js", "conversation.js", "api.js", "proof.js", "waiting.js"} <= names, names
    assert not {"questions.js", "cnj.js"} & names, names
    sizes = {p.name: len(gzip.compress(p.read_bytes(), 9)) for p in files}
    total = sum(sizes.values())
    raw = sum(p.stat().st_size for p in files)
    print(
        f"\nwidget: {len(files)} modules, {raw} bytes, {total} bytes gzipped"
        f" ({total / 1024:.1f} KiB of 30 KiB)"
    )
    assert total <= MAX_GZIPPED, sizes


# ------------------------------------------------------------------------------------------------
# The court's page, on its own origin


class CourtSite:
    """A court's page embedding the widget, served from another origin, under a strict CSP."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.api_origin = ""
        self.server: ThreadingHTTPServer | None = None

    def page(self, unit: str = "") -> bytes:
        attribute = f' unidade="{unit}"' if unit else ""
        return (
            '<!doctype html><html lang="pt-BR"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Tribunal de Justiça — Atendimento</title>"
            f'<script type="module" src="{self.api_origin}/assets/js/balcao-virtual.js"></script>'
            "</head><body><main><h1>Atendimento ao público</h1>"
            f"<balcao-virtual{attribute}></balcao-virtual></main></body></html>"
        ).encode()

    def csp(self) -> str:
        return (
            f"default-src 'none'; script-src {self.api_origin}; connect-src {self.api_origin}; "
            "style-src 'none'; img-src 'none'; base-uri 'none'; form-action 'none'"
        )

    def start(self, api_origin: str) -> None:
        self.api_origin = api_origin
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                unit = self.path.partition("unidade=")[2]
                body = site.page(unit)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy", site.csp())
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture(scope="module")
def court() -> Iterator[CourtSite]:
    site = CourtSite(free_port())
    yield site
    site.stop()


@pytest.fixture(scope="module")
def system(court: CourtSite) -> Iterator[System]:
    with running_system(court_origins=[court.origin]) as running:
        court.start(running.base_url)
        yield running


CSP_PROBE = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


def widget(page: Page) -> Any:
    return page.locator("balcao-virtual")


def last_bot(page: Page) -> Any:
    return widget(page).locator("li.msg.bot").last.locator(".texto")


def focused(page: Page) -> str:
    """The focused control inside the widget's shadow root, as "TAG text"."""
    return str(
        page.evaluate(
            """() => { const root = document.querySelector('balcao-virtual').shadowRoot;
               const el = root.activeElement; if (!el) return '';
               const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
               const name = label || el.textContent || el.getAttribute('aria-label') || el.id;
               return el.tagName + ' ' + name.trim(); }"""
        )
    )


def press_until(page: Page, text: str, limit: int = 40) -> None:
    """Tab until the focused control inside the widget shows `text`."""
    for _ in range(limit):
        if text in focused(page):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"focus never reached {text!r}; last: {focused(page)!r}")


def test_a_citizen_joins_follows_is_called_and_answers_the_survey_with_the_keyboard_at_360px(
    system: System, court: CourtSite, chromium: Browser
) -> None:
    ahead = join(system, UNIT, "Pessoa na Frente")
    wait_status(system, ahead, "waiting")
    context = new_context(chromium, system, viewport=PHONE, behind_swa=WIDGET_ACROSS_ORIGINS)
    context.add_init_script(CSP_PROBE)
    page = context.new_page()
    page.emulate_media(
        reduced_motion="reduce"
    )  # this citizen asked for no motion (and axe sees still bubbles)
    page.goto(court.origin + "/")
    expect(widget(page).locator("li.msg").first).to_have_text(
        re.compile("Bem vindo\\(a\\) ao nosso canal de atendimento on-line")
    )
    expect(widget(page).get_by_role("log")).to_be_visible()

    # The unit, found by its city; everything from here on with the keyboard only.
    page.keyboard.press("Tab")
    press_until(page, "INPUT")
    page.keyboard.type("Rio Branco")
    page.keyboard.press("Enter")
    expect(widget(page).get_by_role("button", name=re.compile(UNIT_NAME))).to_be_visible()
    assert_fits(page)
    screenshot(page, "widget-01-units-360")
    assert_accessible(page, "widget-units")
    press_until(page, UNIT_NAME)
    page.keyboard.press("Enter")
    expect(widget(page).locator("li.msg", has_text=f"Você está em: {UNIT_NAME}")).to_be_visible()
    expect(widget(page).locator("li.msg", has_text="Pessoas na fila: 1")).to_be_visible()
    # The legal basis and who answers for the data (issue 16): the court's, from the configuration.
    privacy = widget(page).locator("li.msg", has_text="Seus dados pessoais")
    expect(privacy).to_contain_text("art. 7º, inciso III, e art. 23")
    expect(privacy).to_contain_text(
        "Responsável pelos dados (controlador): Tribunal de Justiça do Estado do Acre"
    )
    expect(privacy).to_contain_text("Encarregado(a) de proteção de dados: Ricardo Nogueira Lima")
    expect(privacy).to_contain_text("encarregado@tjac.jus.br")
    screenshot(page, "widget-03-privacy-360")
    assert_accessible(page, "widget-privacy")
    # The counter takes no petitions (art. 4), said before the first question, which has the focus.
    expect(widget(page).locator("li.msg", has_text="art. 4º")).to_be_visible()
    expect(last_bot(page)).to_have_text("Qual é o seu nome completo?")
    assert "INPUT" in focused(page)
    page.keyboard.type("Maria <b>das</b> Dores")
    page.keyboard.press("Enter")
    expect(last_bot(page)).to_have_text("Você é parte, advogado(a) ou outro?")
    assert "Parte ou interessado" in focused(page)
    page.keyboard.press("Enter")

    # The process number: a wrong one is explained and asked again; 20 numbers are accepted.
    expect(last_bot(page)).to_contain_text("qual é o número dele")
    page.keyboard.type("0704512-00.2025.8.01.0001")
    page.keyboard.press("Enter")
    # The refusal, in the server's words (the join's own validator), then the question again.
    refusal = widget(page).locator("li.msg.bot.error").last
    expect(refusal).to_contain_text("os 2 números depois do traço")
    expect(last_bot(page)).to_contain_text("qual é o número dele")
    field = widget(page).locator("input[type=text]")
    expect(field).to_have_attribute("aria-invalid", "true")
    described = field.get_attribute("aria-describedby")  # the box is described by the refusal
    assert described and "2 números depois do traço" in widget(page).locator(f"#{described}").inner_text()
    screenshot(page, "widget-02-error-360")
    assert_accessible(page, "widget-error")
    page.keyboard.type(PROCESS)
    page.keyboard.press("Enter")

    expect(last_bot(page)).to_have_text("Qual é o assunto do atendimento?")
    press_until(page, "Informação processual")
    page.keyboard.press("Enter")
    expect(last_bot(page)).to_contain_text("atendimento prioritário")
    press_until(page, "Pessoa idosa (60 anos ou mais)")
    page.keyboard.press("Space")
    press_until(page, "Continuar")
    page.keyboard.press("Enter")
    expect(last_bot(page)).to_contain_text("Quantas pessoas vão acompanhar você no atendimento?")
    page.keyboard.type("0")  # the box has the focus
    page.keyboard.press("Enter")
    expect(last_bot(page)).to_contain_text("Você precisa de algum recurso de acessibilidade no atendimento?")
    expect(widget(page).get_by_role("checkbox", name=re.compile("Intérprete de Libras"))).to_be_visible()
    press_until(page, "Nenhuma das opções")
    page.keyboard.press("Enter")  # no consent asked: the join is sent

    expect(widget(page).locator("li.msg", has_text="Ok! Você já está na fila de atendimento")).to_be_visible()
    expect(widget(page).locator("li.msg", has_text="Por favor aguarde para ser atendido!")).to_be_visible()
    # A person aged 60+ comes before the one who arrived first: position 1 of 2.
    expect(widget(page).locator("li.msg", has_text="Sua posição: 1. Pessoas na fila: 2.")).to_be_visible()
    screenshot(page, "widget-04-waiting-360")
    assert_accessible(page, "widget-waiting")

    ticket = page.evaluate("JSON.parse(localStorage.getItem('balcao.widget.senha'))")
    assert ticket["ticketId"].startswith(f"{UNIT}.")
    system.client.put(
        f"/api/clerk/units/{UNIT}/presence", json={"status": "online"}, headers=system.clerk(DIEGO)
    )
    assert clerk_post(system, DIEGO, f"{UNIT}/call").status_code == 200
    called = widget(page).locator("li.msg", has_text="Próximo! Agora é sua vez")
    expect(called).to_be_visible()
    link = widget(page).get_by_role("link", name=re.compile("Entrar no atendimento"))
    expect(link).to_be_visible()
    view = ticket_view(system, ticket)
    assert view["status"] == "called"
    expect(link).to_have_attribute("href", view["meeting"]["joinUrl"])
    assert "Entrar no atendimento" in focused(page)  # the moment that matters takes the focus
    expect(widget(page).locator("[aria-live=assertive]")).to_contain_text("Entrar no atendimento")
    screenshot(page, "widget-05-called-360")
    assert_accessible(page, "widget-called")

    assert clerk_post(system, DIEGO, f"{UNIT}/tickets/{ticket['ticketId']}/finish").status_code == 200
    expect(last_bot(page)).to_have_text("Como foi o seu atendimento? Dê uma nota de 1 a 5.")
    press_until(page, "Muito satisfeito")
    page.keyboard.press("Enter")
    expect(last_bot(page)).to_contain_text("Quer deixar um comentário?")  # the server's next question
    assert "INPUT" in focused(page)
    page.keyboard.type("Bom <i>atendimento</i>")
    page.keyboard.press("Enter")
    expect(widget(page).locator("li.msg", has_text="Obrigado pela sua avaliação!")).to_be_visible()
    assert ticket_view(system, ticket)["surveyAnswered"] is True
    assert page.evaluate("localStorage.getItem('balcao.widget.senha')") is None
    # What the citizen typed is shown as text, never as markup.
    assert widget(page).locator("b, i").count() == 0
    expect(widget(page).locator("li.msg.eu", has_text="Maria <b>das</b> Dores")).to_be_visible()
    assert_accessible(page, "widget-thanks")
    screenshot(page, "widget-06-thanks-360")
    assert page.evaluate("window.__csp") == []
    assert page.evaluate("document.querySelector('balcao-virtual').shadowRoot.getAnimations().length") == 0
    context.close()

    # The preflight the join needed (JSON body), answered for the court's origin only, as in Azure.
    asked = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = system.client.options(f"/api/units/{UNIT}/tickets", headers={"Origin": court.origin, **asked})
    assert ok.status_code == 204 and ok.headers["access-control-allow-origin"] == court.origin
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert ok.headers["access-control-allow-headers"] == "content-type"
    other = system.client.options(
        f"/api/units/{UNIT}/tickets", headers={"Origin": "http://outro.example", **asked}
    )
    assert "access-control-allow-origin" not in other.headers
    module = system.client.get("/assets/js/balcao-virtual.js", headers={"Origin": court.origin})
    assert module.headers["access-control-allow-origin"] == "*"  # staticwebapp.config.json, as SWA sends it


def test_the_widget_fixed_to_a_closed_or_inactive_unit_says_so_at_1280px(
    system: System, court: CourtSite, chromium: Browser
) -> None:
    context = new_context(chromium, system, viewport=DESKTOP, behind_swa=WIDGET_ACROSS_ORIGINS)
    page = context.new_page()
    page.goto(court.origin + "/?unidade=trf1-coger")
    expect(widget(page).locator("li.msg", has_text="não está atendendo pelo Balcão Virtual")).to_be_visible()
    expect(widget(page).locator("form")).to_be_hidden()
    screenshot(page, "widget-07-inactive-1280")
    assert_accessible(page, "widget-inactive")
    context.close()


def test_the_widget_goes_on_by_chat_when_the_clerk_chooses_it(
    system: System, court: CourtSite, chromium: Browser
) -> None:
    unit, ana = "trf1-sjac-02vf", "ana.souza@trf1.jus.br"
    ticket = join(system, unit, "Célia Chat")
    wait_status(system, ticket, "waiting")
    context = new_context(chromium, system, viewport=PHONE, behind_swa=WIDGET_ACROSS_ORIGINS)
    keep_place(context, "balcao.widget.senha", ticket, unit)
    page = context.new_page()
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{court.origin}/?unidade={unit}")
    expect(widget(page).locator("li.msg", has_text="Sua posição: 1.")).to_be_visible()
    assert clerk_post(system, ana, f"{unit}/call").status_code == 200
    expect(widget(page).locator("li.msg", has_text="Próximo! Agora é sua vez")).to_be_visible()
    base = f"/api/clerk/units/{unit}/attendances/{ticket['ticketId']}"
    assert (
        system.client.put(f"{base}/mode", json={"mode": "chat"}, headers=system.clerk(ana)).status_code == 200
    )
    expect(widget(page).locator("li.msg", has_text="por mensagens de texto")).to_be_visible()
    box = widget(page).get_by_label("Sua mensagem")
    expect(box).to_be_focused()
    page.keyboard.type("Estou sem câmera.")
    page.keyboard.press("Enter")
    lines = system.wait(lambda: system.client.get(f"{base}/chat", headers=system.clerk(ana)).json()["lines"])
    assert [(x["author"], x["text"]) for x in lines] == [("citizen", "Estou sem câmera.")]
    reply = system.client.post(
        f"{base}/chat", json={"text": "Sem problema, siga por aqui."}, headers=system.clerk(ana)
    )
    assert reply.status_code == 201
    expect(
        widget(page).locator("li.msg", has_text="Servidor(a): Sem problema, siga por aqui.")
    ).to_be_visible()
    screenshot(page, "widget-08-chat-360")
    assert_accessible(page, "widget-chat")
    context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_the_widget_fits_and_is_photographed_at_360_and_1280px(
    system: System, court: CourtSite, chromium: Browser, width: int
) -> None:
    """Screenshots for review (`widget-tour-{width}-NN-state`): the welcome, the unit search, and a kept
    place in the line; at each width nothing scrolls sideways and the widget stays inside the page."""
    viewport: ViewportSize = {"width": width, "height": 740 if width == 360 else 900}
    ticket = join(system, "trf1-sjam-01vf", f"Pessoa da Vitrine {width}")
    wait_status(system, ticket, "waiting")
    context = new_context(chromium, system, viewport=viewport, behind_swa=WIDGET_ACROSS_ORIGINS)
    page = context.new_page()
    page.goto(court.origin + "/")
    expect(widget(page).locator("li.msg").first).to_contain_text("Bem vindo(a)")
    screenshot(page, f"widget-tour-{width}-01-welcome")
    widget(page).locator("input").first.fill("Acre")
    widget(page).locator("input").first.press("Enter")
    expect(widget(page).get_by_role("button", name=re.compile(UNIT_NAME))).to_be_visible()
    fits_with_the_widget(page, width)
    screenshot(page, f"widget-tour-{width}-02-units")
    context.close()

    context = new_context(chromium, system, viewport=viewport, behind_swa=WIDGET_ACROSS_ORIGINS)
    keep_place(context, "balcao.widget.senha", ticket, "trf1-sjam-01vf")
    page = context.new_page()
    page.goto(f"{court.origin}/?unidade=trf1-sjam-01vf")
    expect(widget(page).locator("li.msg", has_text="Sua posição: 1.")).to_be_visible()
    fits_with_the_widget(page, width)
    screenshot(page, f"widget-tour-{width}-03-waiting")
    context.close()
    left = system.client.delete(
        f"/api/tickets/{ticket['ticketId']}", headers={"Authorization": f"Bearer {ticket['token']}"}
    )
    assert left.status_code == 204, left.text


def fits_with_the_widget(page: Page, width: int) -> None:
    assert_fits(page, width)
    box = widget(page).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box


# ------------------------------------------------------------------------------------------------
# Near a unit's cap (issue 16): the widget solves the proof of work the API asks for

BUSY = "tjam-tefe-vu"  # a line of 50 (functions/proof.py: asked once its join bucket is below half)
VERIFYING = "Verificando que você não é um robô… isso leva alguns segundos."
# What the widget asks, and how this citizen answers: typed text, or the button to press.
ANSWERS = [
    ("Qual é o seu nome completo?", "type", "Cidadã No Site Do Tribunal"),
    ("Você é parte, advogado(a) ou outro?", "press", "Parte ou interessado"),
    ("qual é o número dele", "press", "Pular"),
    ("Qual é o assunto do atendimento?", "first", ""),
    ("Qual é o tipo de atendimento?", "first", ""),
    ("atendimento prioritário", "press", "Nenhuma das opções"),
    ("Quantas pessoas vão acompanhar você", "type", "0"),
    ("recurso de acessibilidade", "press", "Nenhuma das opções"),  # the last question: the join is sent
]


def answer_until_sent(page: Page) -> None:
    """Answer the widget's questions (ANSWERS) until the last one, which sends the join."""
    answered: list[str] = []
    for _ in range(len(ANSWERS)):
        expect(last_bot(page)).not_to_have_text(answered[-1] if answered else "")
        asked = last_bot(page).inner_text()
        ask, how, what = next((a for a in ANSWERS if a[0] in asked), ("", "", ""))
        assert ask, f"an unexpected question: {asked!r}"
        if how == "type":
            widget(page).locator("input[type=text]").fill(what)
            page.keyboard.press("Enter")
        else:
            buttons = widget(page).locator("form button")
            (buttons.first if how == "first" else buttons.filter(has_text=what).first).click()
        answered.append(asked)
        if ask == ANSWERS[-1][0]:
            return
    raise AssertionError(f"the last question was never asked; asked: {answered!r}")


def test_near_the_cap_the_widget_solves_the_check_on_a_slow_phone_and_the_citizen_joins(
    system: System, court: CourtSite, chromium: Browser
) -> None:
    """Bots fill `BUSY` until the API asks for proofs; the widget, on the court's site (another origin:
    the search runs on the page's own thread), at 360 px with the CPU slowed 4 times, is answered 428,
    says the status line, solves, sends again with the proof and the citizen is in the line, all under
    the court's strict CSP."""
    push_near_cap(system, BUSY)
    context = new_context(chromium, system, viewport=PHONE, behind_swa=WIDGET_ACROSS_ORIGINS)
    context.add_init_script(CSP_PROBE)
    page = context.new_page()
    context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 4})
    answers: list[tuple[int, bool, float]] = []  # (status, sent with a proof, when) of each message
    challenges: list[tuple[dict[str, Any], float]] = []

    def seen(response: Response) -> None:
        if response.request.method == "POST" and response.url.endswith("/api/conversa"):
            proved = "x-balcao-proof" in response.request.headers
            answers.append((response.status, proved, time.time()))
        elif response.url.endswith(f"/api/units/{BUSY}/challenge"):
            challenges.append((response.json(), time.time()))

    page.on("response", seen)
    page.goto(f"{court.origin}/?unidade={BUSY}")
    answer_until_sent(page)
    expect(widget(page).locator("p[role=status]")).to_have_text(VERIFYING)  # while it works
    expect(widget(page).locator("li.msg", has_text="Ok! Você já está na fila")).to_be_visible(timeout=60_000)
    expect(widget(page).locator("li.msg", has_text=re.compile(r"Sua posição: \d+"))).to_be_visible()
    # Every answer went through without a proof; the one that joins was asked for one (428) and went
    # again with it: the same message, the same signed state.
    assert [a[:2] for a in answers][-2:] == [(428, False), (200, True)], answers
    assert all(a[:2] == (200, False) for a in answers[:-2]), answers
    assert [c["parameters"]["data"] for c, _ in challenges] == [{"unit": BUSY}], challenges
    (challenge, challenged_at), admitted_at = challenges[0], answers[-1][2]
    took = admitted_at - challenged_at
    assert took > 0, (challenged_at, answers)
    print(f"\nwidget at 4x CPU throttling, 360 px: admitted {took:.1f} s after getting the challenge")
    assert admitted_at < challenge["parameters"]["expiresAt"]
    expect(widget(page).locator("p[role=status]")).to_have_text("")  # the line goes when the work is done
    assert_fits(page)
    assert page.evaluate("window.__csp") == []
    context.close()
