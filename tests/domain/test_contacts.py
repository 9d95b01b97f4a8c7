"""Contacts a citizen gives to be told off the page (issue 13): the rules written here as tables, from
Anatel's list of area codes (DDD), RFC 5321's lengths and RFC 8291's key sizes, not from the code."""

from __future__ import annotations

import base64
import json

import pytest

from domain.contacts import (
    DDDS,
    NoticeRequest,
    normalize_email,
    normalize_phone,
    normalize_subscription,
    parse_notices,
)
from domain.errors import InvalidInputError

# Anatel's 67 national codes (https://www.gov.br/anatel/pt-br/regulado/numeracao/codigos-nacionais).
ANATEL = {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, 41, 42, 43,
          44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 73, 74, 75, 77,
          79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99}  # fmt: skip


def b64(n: int, first: int = 4) -> str:
    return base64.urlsafe_b64encode(bytes([first]) + b"\x01" * (n - 1)).decode().rstrip("=")


P256DH, AUTH = b64(65), b64(16, 7)
FCM = "https://fcm.googleapis.com/fcm/send/abc123"


def sub(endpoint: str = FCM, p256dh: str = P256DH, auth: str = AUTH) -> dict[str, object]:
    return {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}


def test_the_ddd_table_is_anatels() -> None:
    assert set(DDDS) == ANATEL and len(ANATEL) == 67


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+5592991234567", "+5592991234567"),
        ("+55 (68) 99912-3456", "+5568999123456"),
        ("+55 11 9.8765.4321", "+5511987654321"),
    ],
)
def test_mobile_numbers_with_a_real_ddd_are_kept_in_e164(typed: str, stored: str) -> None:
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "+5520991234567",  # DDD 20 does not exist
        "+5510991234567",  # nor 10
        "+5592391234567",  # a landline: SMS and WhatsApp reach mobiles
        "92991234567",  # no +55
        "+1 415 555 0100",  # not Brazil
        "+559299123456",  # a digit short
        "+55929912345678",  # a digit over
        "+55 92 99123-456a",
        "",
    ],
)
def test_other_phones_are_refused_in_plain_words(typed: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        normalize_phone(typed)
    assert "DDD" in refused.value.message or "+55" in refused.value.message


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("maria@exemplo.com.br", "maria@exemplo.com.br"),
        (" Jose.Silva+balcao@TJAC.jus.br ", "Jose.Silva+balcao@tjac.jus.br"),
    ],
)
def test_valid_emails(typed: str, stored: str) -> None:
    assert normalize_email(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "maria",
        "maria@",
        "@exemplo.com",
        "maria@exemplo",  # no top-level label
        "maria@exemplo.c",  # one-letter top-level label
        "maria@@exemplo.com",
        "ma ria@exemplo.com",
        "maria@exem_plo.com",
        "maria@[10.0.0.1]",
        "a" * 65 + "@exemplo.com",  # local part over 64 (RFC 5321)
        "maria@" + "a" * 250 + ".com",  # over 254
        '"maria"@exemplo.com',
    ],
)
def test_invalid_emails(typed: str) -> None:
    with pytest.raises(InvalidInputError):
        normalize_email(typed)


def test_a_subscription_is_kept_as_compact_json_of_endpoint_and_keys() -> None:
    kept = json.loads(normalize_subscription({**sub(), "expirationTime": None}))
    assert kept == sub()


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (sub(endpoint="http://fcm.googleapis.com/fcm/send/x"), "https"),
        (sub(endpoint="https://evil.example/fcm.googleapis.com"), "serviço de notificações"),
        (sub(endpoint="https://127.0.0.1/push"), "serviço de notificações"),
        (sub(endpoint="https://user:pw@fcm.googleapis.com/x"), "https"),  # pragma: allowlist secret
        (sub(endpoint=FCM + "x" * 1024), "1024"),
        (sub(p256dh=b64(64)), "p256dh"),  # 64 bytes: not an uncompressed point
        (sub(p256dh=b64(65, first=3)), "p256dh"),  # compressed form
        (sub(p256dh=P256DH + "!"), "p256dh"),  # not base64url
        (sub(auth=b64(15)), "auth"),
        (sub(auth=AUTH.replace("A", "+") + "/"), "auth"),  # base64, not base64url
        ({"endpoint": FCM}, "incompleta"),
        ("not an object", "incompleta"),
    ],
)
def test_bad_subscriptions_are_refused_naming_what_is_wrong(raw: object, said: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        normalize_subscription(raw)
    assert said in refused.value.message


def test_push_services_of_every_browser_and_their_subdomains_are_accepted() -> None:
    for endpoint in (
        "https://updates.push.services.mozilla.com/wpush/v2/x",
        "https://wns2-bl2p.notify.windows.com/w/?token=x",
        "https://web.push.apple.com/x",
    ):
        normalize_subscription(sub(endpoint=endpoint))


def test_parse_notices_names_each_bad_field_and_refuses_channels_not_offered_or_twice() -> None:
    items = [
        NoticeRequest("sms", phone="+5520991234567"),
        NoticeRequest("email", email="maria@"),
        NoticeRequest("push", subscription=sub(endpoint="http://x")),
        NoticeRequest("whatsapp", phone="+5592991234567"),
        NoticeRequest("whatsapp", phone="+5592991234567"),
    ]
    with pytest.raises(InvalidInputError) as refused:
        parse_notices(items, offered=("sms", "email", "push", "whatsapp"))
    assert set(refused.value.fields) == {
        "notices[0].phone",
        "notices[1].email",
        "notices[2].subscription",
        "notices[4].channel",
    }
    with pytest.raises(InvalidInputError) as not_offered:
        parse_notices([NoticeRequest("sms", phone="+5592991234567")], offered=("push",))
    assert not_offered.value.fields == {"notices[0].channel": "esta unidade não avisa por este meio"}


def test_parse_notices_gives_channel_to_normalized_contact() -> None:
    got = parse_notices(
        [NoticeRequest("whatsapp", phone="+55 92 99123-4567"), NoticeRequest("email", email="a@b.com.br")],
        offered=("whatsapp", "email"),
    )
    assert got == {"whatsapp": "+5592991234567", "email": "a@b.com.br"}
