"""Strict input (issue 16, observations 9, 10 and 12), over HTTP against the dev host: the text rules
see the text as it would be stored; JSON with a key twice or nested too deep is refused (400, never
500); "the same person" keeps non-Latin names apart and catches a look-alike letter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

UNIT = "tjam-tefe-vu"  # the asynchronous channel
CLERK = "elisa.prado@tjam.jus.br"
PERSON = {"role": "parte", "reason": "orientacao", "consent": True}


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


@pytest.mark.parametrize(
    "text",
    [
        "Olá <\u200bimg src=x onerror=alert(1)> tudo bem",
        "Olá <\u0000script>alert(1)</script>",
        "veja data:\u200bimage/png;base64,iVBORw0KGgo=",
        "Olá \uff1cb\uff1enegrito\uff1c/b\uff1e",  # full-width < and >: NFKC makes them markup
    ],
)
def test_the_text_rules_see_the_cleaned_text(system: System, text: str) -> None:
    body = {**PERSON, "name": "Maria Texto", "text": text}
    answer = system.client.post(f"/api/units/{UNIT}/messages", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    inbox = system.client.get(f"/api/clerk/units/{UNIT}/messages", headers=system.clerk(CLERK)).json()
    assert "Maria Texto" not in str(inbox), "nothing stored"


def test_duplicate_keys_and_deep_nesting_are_refused(system: System) -> None:
    headers = {"Content-Type": "application/json"}
    twice = b'{"name":"Ana Dupla","role":"parte","reason":"orientacao","consent":false,"consent":true}'
    answer = system.client.post(f"/api/units/{UNIT}/tickets", content=twice, headers=headers)
    assert answer.status_code == 400 and "consent" in answer.json()["errors"], answer.text
    deep = b"[" * 100_000 + b"]" * 100_000  # 200 KB, under the 256 KiB body limit
    answer = system.client.post(f"/api/units/{UNIT}/tickets", content=deep, headers=headers)
    assert answer.status_code == 400, answer.text


def waiting(system: System, name: str) -> dict[str, Any]:
    answer = system.client.post(f"/api/units/{UNIT}/tickets", json={**PERSON, "name": name})
    assert answer.status_code == 202, answer.text
    ticket: dict[str, Any] = answer.json()
    headers = {"Authorization": f"Bearer {ticket['token']}"}
    path = f"/api/tickets/{ticket['ticketId']}"
    system.wait(lambda: system.client.get(path, headers=headers).json()["status"] == "waiting")
    return ticket


def test_the_same_person_in_any_script(system: System) -> None:
    waiting(system, "Иван Петров")
    waiting(system, "Ольга Смирнова")  # another person: on main both fold to the same empty name
    waiting(system, "Marta Silva")
    look_alike = system.client.post(f"/api/units/{UNIT}/tickets", json={**PERSON, "name": "Marta Silv\u0430"})
    assert look_alike.status_code == 409, look_alike.text
