"""Citizen notices by e-mail through Azure Communication Services (`azure-communication-email`, issue 13).

``POST {endpoint}/emails:send?api-version=2025-09-01`` from the court's address (`ACS_EMAIL_FROM`, a
verified sender of the Email Communication Service linked to the ACS resource), plain text only (the
notice's title as subject, its text and link as body: nothing to escape, nothing remote to load), with
engagement tracking off (no pixel, no rewritten link: the link carries the citizen's token in its
fragment).

The SDK's `begin_send` is a long-running operation: the service accepts the message (202, status
``Running``) and delivers it later. The adapter does **not** poll (`polling=False`): polling would hold a
queue worker for seconds to minutes (the SDK polls every 30 s by default) for a status the citizen's
notice does not wait on; the operation id of the 202 is the provider id (its final status can be read
later with it, or arrives by Event Grid). The SDK sends no repeatability headers for e-mail, so the
adapter adds them (one id per send), which makes the bounded retries of `adapters.acs_client` safe.
"""

from __future__ import annotations

from typing import Any

from azure.communication.email import EmailClient
from azure.core.exceptions import AzureError

from adapters.acs_client import AcsChannel, repeatability_headers, text_with_link, translated
from domain.errors import ProviderError
from domain.ports import CitizenNotice, NoticeChannelName


def email_message(sender: str, notice: CitizenNotice) -> dict[str, Any]:
    return {
        "senderAddress": sender,
        "recipients": {"to": [{"address": notice.contact}]},
        "content": {"subject": notice.title, "plainText": text_with_link(notice)},
        "userEngagementTrackingDisabled": True,
    }


class AcsEmailChannel(AcsChannel[EmailClient]):
    name: NoticeChannelName = "email"

    def send(self, notice: CitizenNotice) -> str:
        try:
            poller = self._client.begin_send(
                email_message(self._sender, notice), polling=False, headers=repeatability_headers()
            )
            accepted = poller.result()  # without polling: the 202's body, already read
        except AzureError as exc:
            raise translated(self.name, exc) from None
        operation_id = accepted.get("id") if isinstance(accepted, dict) else None
        if not operation_id:
            raise ProviderError("O serviço de e-mail não devolveu o número da operação.", channel=self.name)
        return str(operation_id)
