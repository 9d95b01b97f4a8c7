"""The `CitizenChannel` contract (domain/ports.py), run against every implementation: what the delivery
of citizen notices relies on, whichever channel sends.

- `name` is one of `NOTICE_CHANNELS`;
- `send` returns the provider's id of the message (a non-empty string, one per message sent);
- a contact the provider refuses for good is a `ProviderError` that is not a `TransientProviderError`
  (the delivery records the failure instead of retrying);
- a provider that is down or throttling is a `TransientProviderError` (the delivery retries later);
- neither the contact nor the text reaches a log line, not even through the error's traceback.

Each implementation joins through `IMPLEMENTATIONS`: a builder that starts its provider's local stand-in
and returns a `ChannelUnderTest`. Web Push (`ContactGoneError` on 404/410) adds its own checks beside
these.
"""

from __future__ import annotations

import base64
import logging
import os
import traceback
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from adapters.notice_acs import acs_channels
from domain.errors import ProviderError, TransientProviderError
from domain.ports import NOTICE_CHANNELS, CitizenChannel, CitizenNotice
from tests.fakes.fake_acs import FakeAcs, make_certificate, record_sleeps

TEXT = "Chegou a sua vez na 2ª Vara de Tefé. Senha P3."
LINK = "https://balcao.tjam.test/entrar.html#u=tjam-tefe-2v&t=T0042.secret-token"


@dataclass
class ChannelUnderTest:
    channel: CitizenChannel
    contact: str  # a contact the provider accepts
    refused_contact: str  # one it refuses for good
    go_down: Callable[[], None]  # from now on the provider answers 503
    delivered: Callable[[], int]  # messages the provider accepted

    def notice(self, contact: str | None = None, dedup_key: str = "T0042.called") -> CitizenNotice:
        return CitizenNotice(
            kind="called",
            channel=self.channel.name,
            contact=self.contact if contact is None else contact,
            title="Chegou a sua vez",
            text=TEXT,
            link=LINK,
            dedup_key=dedup_key,
            template="called",
            template_values=("2ª Vara de Tefé", "P3", LINK),
        )


Builder = Callable[[pytest.MonkeyPatch, Path], AbstractContextManager[ChannelUnderTest]]


def _acs(channel: str, contact: str, refused: str) -> Builder:
    @contextmanager
    def build(monkeypatch: pytest.MonkeyPatch, tmp: Path) -> Iterator[ChannelUnderTest]:
        record_sleeps(monkeypatch)  # the retry policy's waits are asserted in tests/adapters
        certificate = make_certificate(tmp)
        key = base64.b64encode(os.urandom(32)).decode()
        with FakeAcs(access_key=key, certificate=certificate, templates={"called": 3}) as fake:
            fake.reject(refused)
            settings = {
                "ACS_CONNECTION_STRING": fake.connection_string(),
                "ACS_SMS_FROM": "+5597999990000",
                "ACS_EMAIL_FROM": "avisos@balcao.tjam.test",
                "ACS_WHATSAPP_CHANNEL_ID": fake.whatsapp_channel,
            }
            built = acs_channels(settings, connection_verify=str(certificate[0]))[channel]
            yield ChannelUnderTest(
                channel=built,
                contact=contact,
                refused_contact=refused,
                go_down=lambda: fake.fail_next(503, times=1000),
                delivered=lambda: len(fake.sent),
            )

    return build


IMPLEMENTATIONS: dict[str, Builder] = {
    "acs-sms": _acs("sms", "+5597984561234", "+5597984560000"),
    "acs-email": _acs("email", "jose.pereira@example.com", "ninguem@example.com"),
    "acs-whatsapp": _acs("whatsapp", "+5597984561234", "+5597984560000"),
}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def under_test(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[ChannelUnderTest]:
    with IMPLEMENTATIONS[request.param](monkeypatch, tmp_path) as built:
        yield built


def test_name_is_a_notice_channel(under_test: ChannelUnderTest) -> None:
    assert under_test.channel.name in NOTICE_CHANNELS


def test_send_returns_one_provider_id_per_message(under_test: ChannelUnderTest) -> None:
    first = under_test.channel.send(under_test.notice(dedup_key="T0042.joined"))
    second = under_test.channel.send(under_test.notice(dedup_key="T0042.called"))
    assert isinstance(first, str) and first and isinstance(second, str) and second
    assert first != second
    assert under_test.delivered() == 2


def test_a_refused_contact_is_a_lasting_failure(under_test: ChannelUnderTest) -> None:
    with pytest.raises(ProviderError) as refused:
        under_test.channel.send(under_test.notice(under_test.refused_contact))
    assert not isinstance(refused.value, TransientProviderError)
    assert under_test.delivered() == 0


def test_a_provider_outage_is_transient(under_test: ChannelUnderTest) -> None:
    under_test.go_down()
    with pytest.raises(TransientProviderError):
        under_test.channel.send(under_test.notice())
    assert under_test.delivered() == 0


def test_no_contact_nor_text_in_the_logs(
    under_test: ChannelUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("tests.citizen_channel")
    under_test.channel.send(under_test.notice())
    failures: list[Any] = []
    for contact, prepare in (
        (under_test.refused_contact, lambda: None),
        (under_test.contact, under_test.go_down),
    ):
        prepare()
        with pytest.raises(ProviderError) as failed:
            under_test.channel.send(replace(under_test.notice(), contact=contact))
        failures.append(failed.value)
        log.exception("delivery failed", exc_info=failed.value)
    lines = [r.getMessage() for r in caplog.records]
    lines += ["".join(traceback.format_exception(e)) for e in failures]
    for secret in (under_test.contact, under_test.refused_contact, TEXT, LINK, "secret-token"):
        assert not [line for line in lines if secret in line], f"{secret!r} reached a log line"
