"""The blocks the pages share, written once (`site/assets/js/shell.js`, `questions.js`, `forms.js`), in a
real browser: every page gets the same frame (skip link, top bar with its subtitle and the current page
marked, footer) under its Content-Security-Policy; the join, booking and message forms ask the same
questions, rendered from one definition; and those definitions can be asked one at a time, as a
conversation would, giving a request the API accepts.

The expected texts are the ones the pages showed before the blocks were shared (tables below).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from devhost.swa_headers import SwaHeaders
from domain.validation import cnj_check_digits
from tests.e2e.pages_support import assert_accessible, new_context, wait_status
from tests.support.system import CONFIG_FILE, System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

SITE = Path(__file__).resolve().parents[2] / "site"
UNIT = "trf1-sjac-01vf"  # two service categories; here it also lets citizens book and send messages
CITIZEN = "Atendimento por vídeo das unidades judiciárias"
CITIZEN_FOOTER = (
    "Atendimento imediato por vídeo durante o horário de expediente de cada unidade.",
    "Dados pessoais tratados conforme a LGPD (Lei nº 13.709/2018).",
)
NAVIGATION = [("Unidades", "./"), ("Área do servidor", "servidor.html"), ("Painel", "painel.html")]

# page → (subtitle, the navigation entry marked current, footer texts); no navigation: None
FRAMES: dict[str, tuple[str, str | None, tuple[str, ...]] | None] = {
    "/": (CITIZEN, "Unidades", CITIZEN_FOOTER),
    f"/agendar.html?unidade={UNIT}": (CITIZEN, None, CITIZEN_FOOTER),
    f"/mensagem.html?unidade={UNIT}": (CITIZEN, None, CITIZEN_FOOTER),
    "/servidor.html": (
        "Console do servidor",
        "Área do servidor",
        ("Chamadas fora da ordem de chegada ficam registradas com o motivo.",),
    ),
    "/painel.html": ("Painel de indicadores", "Painel", ("Os indicadores não contêm dados pessoais.",)),
    "/entrar.html": ("Área dos servidores", None, ("Resolução CNJ nº 372/2021.",)),  # staff sign-in
    "/reuniao.html?senha=A001": None,  # the local stand-in for a video room: brand and subtitle only
}

# What each form asks, in order: (field id, its label or legend). Shared questions come first.
PERSON = [
    ("nome", "Nome completo"),
    ("papel", "Você é"),
    ("oab-numero", "Número da OAB"),
    ("oab-uf", "UF da seccional"),
    ("processo", "Número do processo (opcional)"),
    ("assunto", "Assunto"),
]
CATEGORY = ("categoria", "Tipo de atendimento")
FORMS = {
    f"/?unidade={UNIT}": [
        *PERSON,
        CATEGORY,
        ("prioridade", "Atendimento prioritário (se for o seu caso)"),
        ("acompanhantes", "Acompanhantes no atendimento"),
        ("acessibilidade", "Acessibilidade no atendimento (se precisar)"),  # issue 14: Libras at joining
        ("acessibilidade-outra", "Qual necessidade? (opcional)"),
    ],
    f"/agendar.html?unidade={UNIT}": [*PERSON, CATEGORY],
    f"/mensagem.html?unidade={UNIT}": [*PERSON, ("texto", "Mensagem")],
}
SHARED_BLOCKS = ["campo-nome", "papel", "grupo-oab", "campo-processo", "campo-assunto", "aviso-privacidade"]

CSP_PROBE = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(e.violatedDirective));
"""

FIRST_FOCUSABLE_JS = """
() => {
  const focusable = "a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])";
  const el = document.querySelector(focusable);
  return [el.textContent, el.getAttribute("href")];
}
"""

# The labels of a form's questions, in order (radio and checkbox groups by their legend).
FIELDS_JS = """
form => [...form.querySelectorAll("#perguntas input, #perguntas select, #perguntas textarea")]
  .map((control) => {
    const grouped = control.type === "radio" || ["priority", "accessibility"].includes(control.name);
    const group = grouped ? control.closest("fieldset") : null;
    const label = group ? group.querySelector("legend") : form.querySelector(`label[for="${control.id}"]`);
    return [group ? group.id : control.id, label.textContent.replace("*", "").trim()];
  })
  .filter(([id], i, all) => i === 0 || all[i - 1][0] !== id)
"""


def config_for_the_forms() -> bytes:
    """The demo configuration, with one unit offering booking at any time and the message channel."""
    config = json.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    unit = next(u for u in config["units"] if u["id"] == UNIT)
    unit["scheduling"]["selfBooking"] = "always"
    unit["asyncChannel"] = {
        "enabled": True,
        "responseHours": 24,
        "openingHoursOnly": False,
        "maxLength": 2000,
    }
    return json.dumps(config).encode()


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system(config=config_for_the_forms()) as running:
        yield running


def test_every_page_gets_the_same_frame_under_its_content_security_policy(
    system: System, chromium: Browser
) -> None:
    context = new_context(chromium, system)
    context.add_init_script(CSP_PROBE)
    page = context.new_page()
    for path, frame in FRAMES.items():
        page.goto(path)
        banner = page.get_by_role("banner")
        expect(banner).to_have_count(1)
        expect(banner.locator(".marca-nome")).to_have_text("Balcão Virtual")
        subtitle = frame[0] if frame else "Sala de atendimento simulada"
        expect(banner.locator(".marca-sub")).to_have_text(subtitle)
        nav = page.get_by_role("navigation", name="Navegação principal")
        if frame is None:
            expect(nav).to_have_count(0)
            expect(page.get_by_role("contentinfo")).to_have_count(0)
            assert page.locator(".pular").count() == 0, path
        else:
            _, current, footer = frame
            links = nav.get_by_role("link")
            expect(links).to_have_text([text for text, _ in NAVIGATION])
            for i, (text, href) in enumerate(NAVIGATION):
                expect(links.nth(i)).to_have_attribute("href", href)
                marked = links.nth(i).get_attribute("aria-current")
                assert marked == ("page" if text == current else None), (path, text, marked)
            for text in footer:
                expect(page.get_by_role("contentinfo")).to_contain_text(text)
            first = page.evaluate(FIRST_FOCUSABLE_JS)  # the first thing the keyboard reaches
            assert first == ["Pular para o conteúdo", "#conteudo"], path
        assert page.evaluate("window.__cspViolations") == [], path
        assert_accessible(page, f"frame-{path.strip('/').split('.')[0] or 'index'}")
    context.close()


def test_pages_carry_no_inline_script_or_style_and_declare_the_policy() -> None:
    """Every page (not only the three the citizen test reads) keeps to the strict CSP."""
    sent = json.loads((SITE / "staticwebapp.config.json").read_text(encoding="utf-8"))["globalHeaders"][
        "Content-Security-Policy"
    ]
    pages = sorted(SITE.glob("*.html"))
    # citizen and staff pages, the sign-in page, and the Teams app's Serventias, Sobre, channel-tab pages
    assert len(pages) == 10
    for page in pages:
        html = page.read_text(encoding="utf-8")
        meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
        assert meta is not None, page.name
        assert "'unsafe-inline'" not in meta.group(1) and "'unsafe-eval'" not in meta.group(1), page.name
        assert f"{meta.group(1)}; frame-ancestors 'self'" == sent, page.name
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, page.name
        assert re.search(r"<style|\sstyle=|\son[a-z]+=", html) is None, page.name


# Every page's <head>, line by line: the same block, only its description, title and entry module its own.
HEAD = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"]+">'),
    re.compile(r'<meta name="description" content="[^"<>]*Balcão Virtual[^"<>]{20,}">'),
    re.compile(r"<title>[^<]*Balcão Virtual[^<]*</title>"),
    '<link rel="icon" href="/assets/img/balcao.svg" type="image/svg+xml">',
    '<link rel="stylesheet" href="/assets/css/balcao.css">',
    re.compile(r'<script type="module" src="/assets/js/[\w-]+\.js"></script>'),
]
# what a page adds after that block: the waiting page's web app manifest, touch icon and theme colour
HEAD_EXTRAS = {
    "index.html": [
        '<link rel="manifest" href="/manifest.webmanifest">',
        '<link rel="apple-touch-icon" href="/assets/img/app-192.png">',
        '<meta name="theme-color" content="#0c326f">',
    ]
}


def test_every_page_opens_with_the_same_head() -> None:
    """One well-formed block (the CSP's value is checked above), each page with its own description."""
    descriptions = set()
    for page in sorted(SITE.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        head = re.search(r'^<!doctype html>\n<html lang="pt-BR">\n<head>\n(.*?)</head>\n<body ', html, re.S)
        assert head is not None, page.name
        lines = head.group(1).splitlines()
        assert len(lines) == len(HEAD) + len(HEAD_EXTRAS.get(page.name, [])), (page.name, lines)
        for line, wanted in zip(lines, HEAD, strict=False):
            ok = line == wanted if isinstance(wanted, str) else wanted.fullmatch(line) is not None
            assert ok, (page.name, line)
        assert lines[len(HEAD) :] == HEAD_EXTRAS.get(page.name, []), page.name
        descriptions.add(lines[3])
        module = re.search(r'src="/(assets/js/[\w-]+\.js)"', lines[len(HEAD) - 1])
        assert module is not None and (SITE / module.group(1)).is_file(), page.name
    assert len(descriptions) == len(sorted(SITE.glob("*.html")))


def test_the_sign_in_page_is_kept_out_of_search_engines_by_its_header() -> None:
    """Its `noindex` is a header of its route, in Azure as on the dev host, not a line of its head."""
    sent = dict(SwaHeaders(SITE).for_path("/entrar.html"))
    assert sent["X-Robots-Tag"] == "noindex"
    assert "X-Robots-Tag" not in dict(SwaHeaders(SITE).for_path("/index.html"))


def test_the_three_forms_ask_the_same_questions_from_one_definition_in_its_words(
    system: System, chromium: Browser
) -> None:
    context = new_context(chromium, system)
    page = context.new_page()
    rendered: dict[str, dict[str, str]] = {}
    for path, expected in FORMS.items():
        page.goto(path)
        form = page.locator("form:has(#perguntas)")
        expect(form.locator("#nome")).to_be_attached()
        assert [tuple(pair) for pair in form.evaluate(FIELDS_JS)] == expected, path
        expect(form.locator("#grupo-oab")).to_be_hidden()
        expect(form.locator("#oab-uf option")).to_have_count(28)  # "Selecione" and the 27 UFs
        rendered[path] = {
            block: form.locator(f"#{block}").evaluate("el => el.outerHTML") for block in SHARED_BLOCKS
        }
        # The lawyer's questions appear with the role, and the required ones are marked so.
        page.check("#papel-advogado")
        expect(form.locator("#grupo-oab")).to_be_visible()
        expect(form.locator("#oab-numero")).to_have_attribute("required", "")
        page.check("#papel-parte")
        expect(form.locator("#grupo-oab")).to_be_hidden()
    join, booking, message = rendered.values()
    for block in SHARED_BLOCKS:  # the same markup, to the letter, in the three forms
        assert join[block] == booking[block] == message[block], block

    # The message form (the last one opened) says the definitions' words next to the fields.
    page.check("#papel-advogado")
    page.fill("#oab-numero", "12345678")
    page.click("#botao-enviar")
    expect(page.locator("#oab-numero-erro")).to_have_text(
        "Informe o número de inscrição na OAB (até 6 dígitos)."
    )
    expect(page.locator("#texto-erro")).to_have_text("Escreva a sua mensagem.")
    summary = page.locator("#resumo-erros")
    expect(summary).to_contain_text("Corrija os 5 campos indicados para enviar a mensagem.")
    expect(summary.get_by_role("link", name=re.compile("^Número da OAB: "))).to_have_attribute(
        "href", "#oab-numero"
    )
    context.close()


def test_the_questions_can_be_asked_one_at_a_time_and_give_a_request_the_api_accepts(
    system: System, chromium: Browser
) -> None:
    check = cnj_check_digits("0001234", "2026", "4", "01", "3000")
    answers = {
        "name": "Rui Conversa",
        "role": "advogado",
        "oabNumber": "12.345",
        "oabState": "AC",
        "processNumber": f"0001234{check}20264013000",  # digits only, as a phone keyboard types it
        "reason": "orientacao",
        "category": "advogados",
        "priority": ["idoso_60"],
        "companions": "1",
        "accessibility": ["libras"],  # asked for a Libras interpreter; no other need, so no note
    }
    wrong = {  # an answer a citizen might give, and what the conversation must say back
        "name": ("  ", "Informe seu nome."),
        "oabNumber": ("12345678", "Informe o número de inscrição na OAB (até 6 dígitos)."),
        "processNumber": (f"0001234{(int(check) + 1) % 100:02d}20264013000", "dígitos verificadores"),
    }
    unit = system.client.get(f"/api/units/{UNIT}").json()
    context = new_context(chromium, system)
    page = context.new_page()
    page.goto("/reuniao.html")
    conversation: dict[str, Any] = page.evaluate(
        """async ({ answers, wrong, unit }) => {
          const { FLOWS, applies, readAnswers } = await import("/assets/js/questions.js");
          const context = { reasons: unit.reasons, categories: unit.serviceCategories };
          const given = {};
          const asked = [];
          const replies = {};
          for (const question of FLOWS.join) {  // one question at a time, as a chat would
            if (!applies(question, given, context)) continue;
            asked.push(question.key);
            if (question.key in wrong) {
              replies[question.key] = question.read(wrong[question.key][0], context).error;
            }
            given[question.key] = answers[question.key];
          }
          const parte = FLOWS.join.filter((q) => applies(q, { role: "parte" }, context)).map((q) => q.key);
          return { asked, replies, parte, ...readAnswers(FLOWS.join, given, context) };
        }""",
        {"answers": answers, "wrong": wrong, "unit": unit},
    )
    assert conversation["asked"] == list(answers)
    assert "oabNumber" not in conversation["parte"] and "oabState" not in conversation["parte"]
    for key, (_, message) in wrong.items():
        assert message in conversation["replies"][key], key
    assert conversation["errors"] == []
    body = conversation["body"]
    assert body == {
        **answers,
        "oabNumber": "12345",
        "processNumber": f"0001234-{check}.2026.4.01.3000",
        "companions": 1,
    }
    context.close()

    accepted = system.client.post(f"/api/units/{UNIT}/tickets", json=body)
    assert accepted.status_code == 202, accepted.text
    ticket = accepted.json()
    assert wait_status(system, ticket, "waiting")["priority"] != "Atendimento geral"  # the ground was read
    auth = {"Authorization": f"Bearer {ticket['token']}"}
    assert system.client.delete(f"/api/tickets/{ticket['ticketId']}", headers=auth).status_code == 204
