"""The Azure Communication Services channels of citizen notices (issue 13), built from the settings.

`acs_channels(settings)` returns the channels this deployment has set up, by name: ``"sms"`` when
`ACS_SMS_FROM` is set, ``"email"`` when `ACS_EMAIL_FROM` is, ``"whatsapp"`` when
`ACS_WHATSAPP_CHANNEL_ID` is, each only when the ACS resource is reachable (`ACS_CONNECTION_STRING`, or
`ACS_ENDPOINT` with the managed identity); an empty dict when ACS is not configured. `settings` is the
app settings mapping (`functions.settings.Settings.env`). Nothing is sent nor fetched while building:
clients connect, and the managed identity fetches its token, on the first send.

The channels themselves: `adapters/notice_sms.py`, `adapters/notice_email.py`,
`adapters/notice_whatsapp.py`; what they share (credentials, bounded retries, error translation,
logging): `adapters/acs_client.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from azure.communication.email import EmailClient
from azure.communication.messages import NotificationMessagesClient
from azure.communication.sms import SmsClient
from azure.core.credentials import TokenCredential

from adapters.acs_client import client_options, configured, managed_identity
from adapters.notice_email import AcsEmailChannel
from adapters.notice_sms import AcsSmsChannel
from adapters.notice_whatsapp import AcsWhatsAppChannel
from domain.ports import CitizenChannel


def acs_channels(
    settings: Mapping[str, str], *, connection_verify: bool | str = True
) -> dict[str, CitizenChannel]:
    """The ACS channels set up in `settings`. `connection_verify`: a CA bundle (tests' local fake)."""
    connection_string = configured(settings.get("ACS_CONNECTION_STRING"))
    endpoint = configured(settings.get("ACS_ENDPOINT"))
    if not connection_string and not endpoint:
        return {}
    credential: list[TokenCredential] = []  # one managed identity for the three clients, made on need

    def client(kind: Any) -> Any:  # the SMS SDK's type comments do not type-check: built untyped
        options: dict[str, Any] = client_options(connection_verify)
        if connection_string:
            return kind.from_connection_string(connection_string, **options)
        if not credential:
            credential.append(managed_identity(settings))
        return kind(endpoint, credential[0], **options)

    channels: dict[str, CitizenChannel] = {}
    if sms_from := configured(settings.get("ACS_SMS_FROM")):
        channels["sms"] = AcsSmsChannel(client(SmsClient), sms_from)
    if email_from := configured(settings.get("ACS_EMAIL_FROM")):
        channels["email"] = AcsEmailChannel(client(EmailClient), email_from)
    if whatsapp_channel := configured(settings.get("ACS_WHATSAPP_CHANNEL_ID")):
        channels["whatsapp"] = AcsWhatsAppChannel(client(NotificationMessagesClient), whatsapp_channel)
    return channels
