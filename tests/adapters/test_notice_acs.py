"""The ACS channels (SMS, e-mail, WhatsApp) with the real azure-communication SDKs against the local fake
ACS (tests/fakes/fake_acs.py): TLS, the HMAC-SHA256 signature verified, the bodies the SDKs sent, the
bounded retries, the error translation and no contact in any log line."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import logging
import os
import socket
import ssl
import traceback
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from adapters.notice_acs import acs_channels
from adapters.notice_whatsapp import TEMPLATES, ChannelReplies
from domain.errors import ProviderError, TransientProviderError
from domain.ports import CitizenChannel, CitizenNotice
from tests.fakes.fake_acs import FakeAcs, make_certificate, record_sleeps, signature
from tests.fakes.fake_channels import Channels

SMS_FROM = "+5568999990000"
EMAIL_FROM = "avisos@balcao.tjac.test"
PHONE = "+5568992345678"
MAIL = "maria.silva@example.com"
LINK = "https://balcao.tjac.test/entrar.html#u=tjac-1vc&t=T0001.tok"
TEXT = "Chegou a sua vez na 1ª Vara Cível de Rio Branco! Senha N7."
# The templates the court registers (README, "Avisos por WhatsApp"): three values each.
REGISTERED = {  # the templates the court registers (README) and how many values each takes
    **dict.fromkeys(("joined", "near_front", "called", "put_back", "meeting_retry", "reminder", "reply"), 3),
    "survey": 2,  # issue 18: the survey after the attendance, outside the 24-hour window
    "conversation": 1,  # issue 18: a reply of the conversation sent after the window closed
}
PATHS = {"sms": "/sms", "email": "/emails:send", "whatsapp": "/messages/notifications:send"}


def notice(channel: str, contact: str) -> CitizenNotice:
    return CitizenNotice(
        kind="called",
        channel=channel,  # type: ignore[arg-type]
        contact=contact,
        title="Chegou a sua vez",
        text=TEXT,
        link=LINK,
        dedup_key=f"T0001.called.{channel}",
        template="called",
        template_values=("1ª Vara Cível de Rio Branco", "N7", LINK),
    )


CONTACTS = {"sms": PHONE, "email": MAIL, "whatsapp": PHONE}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("acs-tls"))


@pytest.fixture
def acs(certificate: tuple[Path, Path]) -> Iterator[FakeAcs]:
    key = base64.b64encode(os.urandom(32)).decode()
    with FakeAcs(access_key=key, certificate=certificate, templates=dict(REGISTERED)) as fake:
        yield fake


def settings_for(acs: FakeAcs, connection_string: str | None = None) -> dict[str, str]:
    return {
        "ACS_CONNECTION_STRING": connection_string or acs.connection_string(),
        "ACS_SMS_FROM": SMS_FROM,
        "ACS_EMAIL_FROM": EMAIL_FROM,
        "ACS_WHATSAPP_CHANNEL_ID": acs.whatsapp_channel,
    }


@pytest.fixture
def channels(acs: FakeAcs, certificate: tuple[Path, Path]) -> dict[str, CitizenChannel]:
    return acs_channels(settings_for(acs), connection_verify=str(certificate[0]))


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return record_sleeps(monkeypatch)


# ---------------------------------------------------------------------------------------- the factory


def test_only_the_channels_whose_settings_are_present() -> None:
    conn = (
        "endpoint=https://balcao-acs.communication.azure.com/;accesskey="
        + base64.b64encode(b"k" * 32).decode()
    )
    assert acs_channels({}) == {}
    assert acs_channels({"ACS_SMS_FROM": SMS_FROM}) == {}, "no ACS resource: nothing"
    assert acs_channels({"ACS_CONNECTION_STRING": conn}) == {}, "a resource but no sender: nothing"
    assert set(acs_channels({"ACS_CONNECTION_STRING": conn, "ACS_SMS_FROM": SMS_FROM})) == {"sms"}
    assert set(acs_channels({"ACS_CONNECTION_STRING": conn, "ACS_EMAIL_FROM": EMAIL_FROM})) == {"email"}
    unresolved = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x)"
    assert acs_channels({"ACS_CONNECTION_STRING": unresolved, "ACS_SMS_FROM": SMS_FROM}) == {}
    # In Azure: the endpoint and the managed identity (nothing fetched while building).
    azure = {
        "ACS_ENDPOINT": "https://balcao-acs.brazil.communication.azure.com",
        "AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000001",
        "ACS_SMS_FROM": SMS_FROM,
        "ACS_EMAIL_FROM": EMAIL_FROM,
        "ACS_WHATSAPP_CHANNEL_ID": "c0ffee00-0000-0000-0000-000000000000",
    }
    built = acs_channels(azure)
    assert {name: channel.name for name, channel in built.items()} == {
        "sms": "sms",
        "email": "email",
        "whatsapp": "whatsapp",
    }


# ------------------------------------------------------------------------------- what the SDKs sent


def test_sms_body(acs: FakeAcs, channels: dict[str, CitizenChannel]) -> None:
    provider_id = channels["sms"].send(notice("sms", PHONE))
    (sent,) = acs.sent_to("/sms")
    assert sent.api_version == "2021-03-07"
    recipient = sent.body["smsRecipients"][0]
    assert sent.body == {
        "from": SMS_FROM,
        "smsRecipients": [
            {
                "to": PHONE,
                "repeatabilityRequestId": recipient["repeatabilityRequestId"],
                "repeatabilityFirstSent": recipient["repeatabilityFirstSent"],
            }
        ],
        "message": f"{TEXT}\n{LINK}",
        "smsSendOptions": {"enableDeliveryReport": False},
    }
    assert recipient["repeatabilityRequestId"] and recipient["repeatabilityFirstSent"].endswith(" GMT")
    assert provider_id == sent.answer["value"][0]["messageId"]


def test_email_body_without_polling(acs: FakeAcs, channels: dict[str, CitizenChannel]) -> None:
    provider_id = channels["email"].send(notice("email", MAIL))
    assert [r.path for r in acs.received] == ["/emails:send"], "accepted (202) and not polled"
    (sent,) = acs.sent
    assert sent.api_version == "2025-09-01"
    assert sent.body == {
        "senderAddress": EMAIL_FROM,
        "recipients": {"to": [{"address": MAIL}]},
        "content": {"subject": "Chegou a sua vez", "plainText": f"{TEXT}\n{LINK}"},
        "userEngagementTrackingDisabled": True,
    }
    headers = {k.lower(): v for k, v in sent.headers.items()}
    assert headers["repeatability-request-id"] and headers["repeatability-first-sent"].endswith(" GMT")
    assert provider_id == sent.answer["id"]


def test_whatsapp_template_body(acs: FakeAcs, channels: dict[str, CitizenChannel]) -> None:
    provider_id = channels["whatsapp"].send(notice("whatsapp", PHONE))
    (sent,) = acs.sent
    assert sent.api_version == "2024-08-30"
    assert sent.body == {
        "kind": "template",
        "channelRegistrationId": acs.whatsapp_channel,
        "to": [PHONE],
        "template": {
            "name": "called",
            "language": "pt_BR",
            "values": [
                {"kind": "text", "name": "v1", "text": "1ª Vara Cível de Rio Branco"},
                {"kind": "text", "name": "v2", "text": "N7"},
                {"kind": "text", "name": "v3", "text": LINK},
            ],
            "bindings": {
                "kind": "whatsApp",
                "body": [{"refValue": "v1"}, {"refValue": "v2"}, {"refValue": "v3"}],
            },
        },
    }
    assert provider_id == sent.answer["receipts"][0]["messageId"]


def test_the_conversation_sends_text_and_its_templates_through_the_channel(
    acs: FakeAcs, channels: dict[str, CitizenChannel]
) -> None:
    """Issue 18: free-form text inside the 24-hour window, the conversation's templates outside it."""
    replies = ChannelReplies(Channels(channels))
    replies.say(PHONE, "Sua senha é N7.")
    replies.template(PHONE, "survey", ("1ª Vara Cível de Rio Branco", "N7"))
    text, survey = acs.sent
    assert text.body == {
        "kind": "text",
        "channelRegistrationId": acs.whatsapp_channel,
        "to": [PHONE],
        "content": "Sua senha é N7.",
    }
    assert survey.body["kind"] == "template" and survey.body["template"]["name"] == "survey"
    assert [v["text"] for v in survey.body["template"]["values"]] == ["1ª Vara Cível de Rio Branco", "N7"]
    with pytest.raises(ProviderError):  # the survey takes two values
        replies.template(PHONE, "survey", ("1ª Vara Cível de Rio Branco",))
    assert len(acs.received) == 2


def test_a_link_already_in_the_text_is_not_repeated(
    acs: FakeAcs, channels: dict[str, CitizenChannel]
) -> None:
    channels["sms"].send(replace(notice("sms", PHONE), text=f"Sua vez: {LINK}"))
    assert acs.sent[0].body["message"] == f"Sua vez: {LINK}"


def test_a_whatsapp_template_that_does_not_fit_is_refused_before_sending(
    acs: FakeAcs, channels: dict[str, CitizenChannel]
) -> None:
    with pytest.raises(ProviderError) as unknown:
        channels["whatsapp"].send(replace(notice("whatsapp", PHONE), template="promo"))
    with pytest.raises(ProviderError) as short:
        channels["whatsapp"].send(replace(notice("whatsapp", PHONE), template_values=("Vara", "N7")))
    assert not isinstance(unknown.value, TransientProviderError)
    assert not isinstance(short.value, TransientProviderError)
    assert acs.received == []


# --------------------------------------------------------------------------------------- signature


@pytest.mark.parametrize("channel", ["sms", "email", "whatsapp"])
def test_a_request_signed_with_another_key_is_refused(
    acs: FakeAcs, certificate: tuple[Path, Path], channel: str
) -> None:
    wrong = acs.connection_string(key=base64.b64encode(os.urandom(32)).decode())
    channels = acs_channels(settings_for(acs, wrong), connection_verify=str(certificate[0]))
    with pytest.raises(ProviderError) as refused:
        channels[channel].send(notice(channel, CONTACTS[channel]))
    assert not isinstance(refused.value, TransientProviderError), "a wrong key is not retried later"
    assert refused.value.details["status"] == 401
    assert acs.unsigned == 1 and acs.sent == []


def _signed_post(acs: FakeAcs, certificate: tuple[Path, Path], **change: str) -> int:
    """POST an SMS request signed by the documented scheme, then alter one signed element."""
    body = json.dumps({"from": SMS_FROM, "smsRecipients": [{"to": PHONE}], "message": "oi"}).encode()
    path, host = "/sms?api-version=2021-03-07", urlsplit(acs.endpoint).netloc
    when = datetime.fromisoformat(change["when"]) if "when" in change else datetime.now(UTC)
    date = email.utils.format_datetime(when, usegmt=True)
    content_hash = base64.b64encode(hashlib.sha256(body).digest()).decode()
    signed = signature(
        acs.access_key,
        "POST",
        change.get("signed_path", path),
        date,
        change.get("signed_host", host),
        content_hash,
    )
    headers = {
        "x-ms-date": date,
        "x-ms-content-sha256": content_hash,
        "Authorization": f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signed}",
        "Content-Type": "application/json",
    }
    sent = change.get("body", "").encode() or body
    trust = ssl.create_default_context(cafile=str(certificate[0]))
    answer = httpx.post(f"{acs.endpoint}{path}", content=sent, headers=headers, verify=trust, timeout=5)
    return answer.status_code


def test_the_fake_checks_every_signed_element(acs: FakeAcs, certificate: tuple[Path, Path]) -> None:
    assert _signed_post(acs, certificate) == 202
    assert _signed_post(acs, certificate, signed_path="/sms?api-version=2024-01-01") == 401  # query
    assert _signed_post(acs, certificate, signed_path="/emails:send?api-version=2021-03-07") == 401  # path
    assert _signed_post(acs, certificate, signed_host="other.communication.azure.com") == 401  # host
    assert _signed_post(acs, certificate, body='{"from": "+5568000000000"}') == 401  # body
    assert _signed_post(acs, certificate, when="2026-01-01T00:00:00+00:00") == 401  # x-ms-date too old
    assert acs.unsigned == 5 and len(acs.sent) == 1


# ------------------------------------------------------------------------------ retries and errors


@pytest.mark.parametrize("channel", ["sms", "email", "whatsapp"])
def test_500_then_success_is_retried_with_back_off_and_sent_once(
    acs: FakeAcs, channels: dict[str, CitizenChannel], sleeps: list[float], channel: str
) -> None:
    acs.fail_next(500, times=2)
    channels[channel].send(notice(channel, CONTACTS[channel]))
    assert [r.status for r in acs.received] == [500, 500, 202]
    assert sleeps == [0.25, 0.5], "exponential back-off from 0.25 s"
    assert len(acs.sent) == 1
    ids = {
        r.body["smsRecipients"][0]["repeatabilityRequestId"]
        if channel == "sms"
        else {k.lower(): v for k, v in r.headers.items()}["repeatability-request-id"]
        for r in acs.received
    }
    assert len(ids) == 1, "the retries repeat the same request, which the service sends once"


@pytest.mark.parametrize("channel", ["sms", "email", "whatsapp"])
def test_429_waits_its_retry_after_then_succeeds(
    acs: FakeAcs, channels: dict[str, CitizenChannel], sleeps: list[float], channel: str
) -> None:
    acs.fail_next(429, times=1, retry_after="2")
    channels[channel].send(notice(channel, CONTACTS[channel]))
    assert [r.status for r in acs.received] == [429, 202]
    assert sleeps == [2.0]


@pytest.mark.parametrize(
    ("status", "retry_after", "requests", "waits"),
    [
        (500, None, 3, [0.25, 0.5]),  # two more attempts, then the queue
        (503, None, 3, [0.25, 0.5]),
        (429, None, 3, [0.25, 0.5]),  # azure-core alone would not retry a POST's 429
        (429, "1", 3, [1.0, 1.0]),
        (429, "30", 1, []),  # longer than a worker may wait: the queue waits it out
    ],
)
def test_persistent_throttling_or_outage_surfaces_as_transient(
    acs: FakeAcs,
    channels: dict[str, CitizenChannel],
    sleeps: list[float],
    status: int,
    retry_after: str | None,
    requests: int,
    waits: list[float],
) -> None:
    acs.fail_next(status, times=5, retry_after=retry_after)
    with pytest.raises(TransientProviderError) as failed:
        channels["sms"].send(notice("sms", PHONE))
    assert len(acs.received) == requests and acs.sent == []
    assert sleeps == waits and sum(sleeps) <= 4.0, "one send holds a worker a few seconds at most"
    assert failed.value.details["status"] == status
    if retry_after:
        assert failed.value.details["retry_after"] == float(retry_after)


@pytest.mark.parametrize(
    ("channel", "contact"),
    [("sms", "+556899"), ("email", "maria.silva@"), ("whatsapp", "5568992345678")],
)
def test_an_invalid_recipient_is_a_provider_error_not_retried(
    acs: FakeAcs, channels: dict[str, CitizenChannel], sleeps: list[float], channel: str, contact: str
) -> None:
    with pytest.raises(ProviderError) as refused:
        channels[channel].send(notice(channel, contact))
    assert not isinstance(refused.value, TransientProviderError)
    assert refused.value.details["status"] == 400
    assert len(acs.received) == 1 and sleeps == []


def test_no_answer_at_all_is_transient(certificate: tuple[Path, Path], sleeps: list[float]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    key = base64.b64encode(os.urandom(32)).decode()
    settings = {
        "ACS_CONNECTION_STRING": f"endpoint=https://127.0.0.1:{port}/;accesskey={key}",
        "ACS_SMS_FROM": SMS_FROM,
    }
    with pytest.raises(TransientProviderError):
        acs_channels(settings, connection_verify=str(certificate[0]))["sms"].send(notice("sms", PHONE))
    assert len(sleeps) == 2, "connection errors are retried as often as 5xx"


# ------------------------------------------------------------------------------------ personal data


def test_no_contact_nor_text_in_any_log_line(
    acs: FakeAcs, channels: dict[str, CitizenChannel], sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, the SDKs' HTTP logging and urllib3 included
    log = logging.getLogger("tests.notice_acs")
    for channel in ("sms", "email", "whatsapp"):
        channels[channel].send(notice(channel, CONTACTS[channel]))
        acs.fail_next(500, times=3)  # the fake's error message quotes the recipient
        with pytest.raises(TransientProviderError) as failed:
            channels[channel].send(notice(channel, CONTACTS[channel]))
        log.exception("delivery failed", exc_info=failed.value)  # what a queue function would log
    acs.reject(PHONE)
    for channel in ("sms", "whatsapp"):
        with pytest.raises(ProviderError) as refused:
            channels[channel].send(notice(channel, PHONE))
        log.exception("delivery refused", exc_info=refused.value)
    sdk_lines = [r for r in caplog.records if r.name.startswith("azure.core.pipeline.policies.http_logging")]
    assert sdk_lines, "the SDK's request logging was captured (the check below means something)"
    lines = [record.getMessage() for record in caplog.records]
    lines += ["".join(traceback.format_exception(r.exc_info[1])) for r in caplog.records if r.exc_info]
    for secret in (PHONE, PHONE[1:], MAIL, TEXT, LINK, "T0001.tok"):
        leaking = [line for line in lines if secret in line]
        assert leaking == [], f"{secret!r} reached a log line: {leaking[:1]}"


def test_the_readme_lists_every_whatsapp_template_the_adapter_sends() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert set(TEMPLATES) == set(REGISTERED), "the notices of issue 13 and the conversation's (issue 18)"
    for name, template in TEMPLATES.items():
        assert f"- `{name}`: {template.body}" in readme, f"README: template {name} missing or different"
        body = template.body
        assert not body.startswith("{{") and not body.endswith("}}"), "Meta refuses a variable at either end"
        n = REGISTERED[name]
        assert [body.count(f"{{{{{i}}}}}") for i in range(1, n + 2)] == [1] * n + [0]
