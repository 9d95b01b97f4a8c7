"""Citizen notices by SMS through Azure Communication Services (`azure-communication-sms`, issue 13).

One request per notice: ``POST {endpoint}/sms?api-version=2021-03-07`` with the court's number
(`ACS_SMS_FROM`) as sender, the citizen's E.164 number as the one recipient, the notice's text and its
link, delivery reports off. The service answers 202 for the request and a status per recipient: a
recipient refused (``successful: false``, e.g. 400 for a number it cannot deliver to) is a
`ProviderError`, 429/5xx a `TransientProviderError` (see `adapters.acs_client` for the rest).
"""

from __future__ import annotations

from typing import Any

from azure.communication.sms import SmsClient
from azure.core.exceptions import AzureError

from adapters.acs_client import AcsChannel, status_error, text_with_link, translated
from domain.errors import ProviderError
from domain.ports import CitizenNotice, NoticeChannelName


class AcsSmsChannel(AcsChannel[SmsClient]):
    name: NoticeChannelName = "sms"

    def send(self, notice: CitizenNotice) -> str:
        client: Any = self._client  # its `send` has a type comment mypy cannot read
        try:
            results = client.send(
                from_=self._sender,
                to=[notice.contact],
                message=text_with_link(notice),
                enable_delivery_report=False,
            )
        except AzureError as exc:
            raise translated(self.name, exc) from None
        if not results:
            raise ProviderError("O serviço de SMS não devolveu resultado.", channel=self.name)
        result = results[0]
        if not result.successful or not result.message_id:
            # `error_message` may quote the number: only the status goes on.
            raise status_error(self.name, int(result.http_status_code or 0))
        return str(result.message_id)
