"""`CitizenChannel`: what the delivery (domain/usecases/citizen_notices.py) relies on, for the in-memory
fake and for the real Web Push adapter (pywebpush) against a local push service that checks VAPID and
decrypts what it receives (tests/fakes/fake_push.py): a send returns the provider's id and the notice
arrives as sent; "gone" (Web Push 404/410) is `ContactGoneError`; 429 and 5xx are
`TransientProviderError`; other refusals are `ProviderError`, not transient. The contact is never
logged."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from adapters.notice_push import WebPushChannel, new_vapid_keys, payload_of
from domain.errors import ContactGoneError, ProviderError, TransientProviderError
from domain.ports import CitizenChannel, CitizenNotice
from tests.fakes.fake_channels import RecordingChannel
from tests.fakes.fake_push import FakePush

LINK = "https://balcao.test/entrar.html#u=trf1-sjac-01vf&t=trf1-sjac-01vf.20261130.abcdefghjk.k1.mac"


@dataclass
class Kind:
    channel: CitizenChannel
    contact: str
    received: Callable[[], list[dict[str, Any]]]  # what arrived, as the receiver read it
    fail_next: Callable[[str], None]  # "gone" | "transient" | "refused"


def notice(contact: str) -> CitizenNotice:
    return CitizenNotice(
        kind="called",
        channel="push",
        contact=contact,
        title="Chegou a sua vez!",
        text="Chegou a sua vez em 1ª Vara Federal (senha P004).",
        link=LINK,
        dedup_key="called.abcdefghjk.1",
        actions=(("open", "Entrar no atendimento"), ("here", "Estou aqui")),
    )


@pytest.fixture(params=["fake", "push"])
def kind(request: pytest.FixtureRequest) -> Iterator[Kind]:
    if request.param == "fake":
        fake = RecordingChannel("push")
        yield Kind(fake, "contact", lambda: [payload_of(n) for n in fake.sent], fake.next_failures.append)
        return
    with FakePush() as service:
        _, private = new_vapid_keys()
        channel = WebPushChannel(private, "mailto:ti@trf1.jus.br", session=service.session(), timeout_s=5)
        statuses = {"gone": 410, "transient": 503, "refused": 400}
        yield Kind(
            channel,
            json.dumps(service.subscribe()),
            lambda: [r.payload or {} for r in service.received if r.status == 201],
            lambda how: service.answer_next(statuses[how]),
        )


def test_a_notice_arrives_as_sent_and_its_id_comes_back(kind: Kind) -> None:
    provider_id = kind.channel.send(notice(kind.contact))
    assert provider_id
    assert kind.received() == [
        {
            "kind": "called",
            "title": "Chegou a sua vez!",
            "body": "Chegou a sua vez em 1ª Vara Federal (senha P004).",
            "url": LINK,
            "ticket": "trf1-sjac-01vf.20261130.abcdefghjk",
            "actions": [
                {"action": "open", "title": "Entrar no atendimento"},
                {"action": "here", "title": "Estou aqui"},
            ],
        }
    ]


@pytest.mark.parametrize(
    ("how", "error"),
    [("gone", ContactGoneError), ("transient", TransientProviderError), ("refused", ProviderError)],
)
def test_failures_are_told_apart(kind: Kind, how: str, error: type[Exception]) -> None:
    kind.fail_next(how)
    with pytest.raises(error) as raised:
        kind.channel.send(notice(kind.contact))
    if how == "refused":
        assert not isinstance(raised.value, TransientProviderError | ContactGoneError)
    assert kind.received() == []
    kind.channel.send(notice(kind.contact))  # the failure was for that send only
    assert len(kind.received()) == 1


PUSH_ANSWERS = [
    (404, ContactGoneError),
    (410, ContactGoneError),
    (429, TransientProviderError),
    (500, TransientProviderError),
    (403, ProviderError),
]


@pytest.mark.parametrize(("status", "error"), PUSH_ANSWERS)
def test_the_push_services_answers_map_to_the_ports_errors(
    status: int, error: type[Exception], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with FakePush() as service:
        subscription = service.subscribe()
        _, private = new_vapid_keys()
        channel = WebPushChannel(private, "mailto:ti@trf1.jus.br", session=service.session(), timeout_s=5)
        service.answer_next(status)
        with pytest.raises(error):
            channel.send(notice(json.dumps(subscription)))
        [got] = service.wait_for(1)
        assert got.vapid_ok, got.vapid_problem
        assert got.claims["sub"] == "mailto:ti@trf1.jus.br" and got.claims["aud"] == service.origin
        assert got.payload is not None and got.payload["kind"] == "called"  # encrypted, and readable
        assert got.headers.get("content-encoding") == "aes128gcm" and int(got.headers["ttl"]) > 0
    logged = caplog.text
    for secret in (subscription["endpoint"], subscription["keys"]["p256dh"], subscription["keys"]["auth"]):
        assert secret not in logged


def test_an_unreachable_push_service_is_transient() -> None:
    with FakePush() as service:
        subscription = service.subscribe()
    session = requests.Session()
    session.trust_env = False
    _, private = new_vapid_keys()  # the service is closed now: the connection is refused
    channel = WebPushChannel(private, "mailto:ti@trf1.jus.br", session=session, timeout_s=2)
    with pytest.raises(TransientProviderError):
        channel.send(notice(json.dumps(subscription)))
