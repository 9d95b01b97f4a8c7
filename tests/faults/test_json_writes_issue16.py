"""Every write says JSON (issue 16, observation 11), over HTTP against the dev host: a POST, PUT, PATCH
or DELETE whose `Content-Type` is not `application/json` (UTF-8) - text/plain, a form type, or none at
all, the requests a page of another site can send without a CORS preflight - is refused with 415
problem+json in pt-BR, body or not, and changes nothing.

The clerk's call-next and no-show, the issue's examples, are replayed with the clerk's own sign-in (as a
cross-site form would carry it); then every write route of the OpenAPI description gets the same
requests, and the whole storage account is compared before and after. The client here is a plain httpx
client: it does not add the JSON type that the pages (and `tests.support.system.api_client`) send."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from devhost.clock import FakeClock
from tests.support.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

UNIT = "tjac-rbr-1vce"
CLERK = "diego.rocha@tjac.jus.br"
START = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # a Monday, 10:00 in Rio Branco; the clock stands still
NOT_JSON = [  # the types a cross-site page sends without asking first, and no type at all
    {"Content-Type": "text/plain"},
    {"Content-Type": "text/plain;charset=UTF-8"},
    {"Content-Type": "application/x-www-form-urlencoded"},
    {"Content-Type": "multipart/form-data; boundary=x"},
    {},
    {"Content-Type": "application/json; charset=latin-1"},
]
WRITES = ("post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system(clock=FakeClock(START)) as running:
        yield running


@pytest.fixture(scope="module")
def raw(system: System) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=system.base_url, timeout=10) as client:
        yield client


def assert_refused(answer: httpx.Response, what: str) -> None:
    assert answer.status_code == 415, f"{what}: {answer.status_code} {answer.text}"
    assert answer.headers["content-type"].startswith("application/problem+json"), what
    assert "Envie os dados como JSON" in answer.json()["detail"], what


def test_call_next_and_no_show_without_json_are_refused_and_change_nothing(
    system: System, raw: httpx.Client
) -> None:
    clerk = system.clerk(CLERK)
    joined = system.client.post(
        f"/api/units/{UNIT}/tickets",
        json={"name": "Rosa Esperando", "role": "parte", "reason": "orientacao"},
    )
    assert joined.status_code == 202, joined.text
    ticket = joined.json()
    auth = {"Authorization": f"Bearer {ticket['token']}"}
    path = f"/api/tickets/{ticket['ticketId']}"
    system.wait(lambda: system.client.get(path, headers=auth).json()["status"] == "waiting")
    before = system.stored()
    for headers in NOT_JSON:
        what = headers.get("Content-Type", "no Content-Type")
        answer = raw.post(f"/api/clerk/units/{UNIT}/call", headers={**clerk, **headers})
        assert_refused(answer, f"call {what}")
    assert system.client.get(path, headers=auth).json()["status"] == "waiting"  # nobody was called
    assert system.stored() == before

    called = raw.post(
        f"/api/clerk/units/{UNIT}/call", headers={**clerk, "Content-Type": "application/json"}
    )  # the control: the same empty body, said to be JSON
    assert called.status_code == 200 and called.json()["ticketId"] == ticket["ticketId"], called.text
    before = system.stored()
    no_show = f"/api/clerk/units/{UNIT}/tickets/{ticket['ticketId']}/no_show"
    for headers in NOT_JSON:
        what = headers.get("Content-Type", "no Content-Type")
        assert_refused(raw.post(no_show, headers={**clerk, **headers}), f"no-show {what}")
    assert system.client.get(path, headers=auth).json()["status"] == "called"
    assert system.stored() == before


def test_every_write_route_of_the_api_refuses_what_is_not_json(system: System, raw: httpx.Client) -> None:
    """Each write of the OpenAPI description, its route parameters filled, with the clerk's sign-in and a
    token (a cross-site request carries what the browser has): 415 for each type, nothing stored."""
    spec: dict[str, Any] = system.client.get("/api/openapi.json").json()
    writes = [(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if m in WRITES]
    assert len(writes) >= 20, writes  # the table below is the app's, not a hand-picked few
    values = {"unit": UNIT, "ticket": f"{UNIT}.20261130.abcdefghij", "message": f"{UNIT}.20261130.m1"}
    headers = {**system.clerk(CLERK), "Authorization": "Bearer k1.x"}
    before = system.stored()
    refused = 0
    for method, template in writes:
        path = "/api" + re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "finish"), template)
        for extra in NOT_JSON:
            for body in (b"", b'{"a": 1}'):
                answer = raw.request(method, path, headers={**headers, **extra}, content=body)
                what = f"{method} {template} {extra.get('Content-Type', 'no Content-Type')} {body!r}"
                if path.endswith("/messages") and "multipart" in extra.get("Content-Type", ""):
                    assert answer.status_code == 400 and "anexos" in answer.json()["detail"], what
                    continue  # the channel's own words for an upload (tests/e2e/test_scheduling_e2e.py)
                assert_refused(answer, what)
                refused += 1
    assert system.stored() == before
    print(f"json writes: {len(writes)} write routes × {len(NOT_JSON)} types × 2 bodies → {refused} refused")
