"""Citizen notices on WhatsApp through Azure Communication Services Advanced Messaging
(`azure-communication-messages`, issue 13).

A business may write first on WhatsApp only with a **template** Meta approved, so every notice is a
template message: ``POST {endpoint}/messages/notifications:send?api-version=2024-08-30`` with the
court's WhatsApp channel (`ACS_WHATSAPP_CHANNEL_ID`, the channel registration id ACS shows once the
court's WhatsApp Business account is connected), the citizen's E.164 number, the template's name
(`CitizenNotice.template`, else the notice's kind) in Brazilian Portuguese (``pt_BR``) and its values
(`CitizenNotice.template_values`, in order) bound to the body's ``{{1}}``, ``{{2}}``, ``{{3}}``.
Free-form text inside the 24-hour window (`say`: the replies of the conversation, issue 18) is a
``kind: text`` message with the same channel.

Meta refuses a template body that starts or ends with a variable, hence the words around `{{1}}` and
after the link. `TEMPLATES` is what the court registers with Meta (README, "Avisos por SMS, WhatsApp e
e-mail"): a template the table does not know, or values that do not fit it, are a `ProviderError`
before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from azure.communication.messages import NotificationMessagesClient
from azure.communication.messages.models import (
    MessageTemplate,
    MessageTemplateText,
    MessageTemplateValue,
    TemplateNotificationContent,
    TextNotificationContent,
    WhatsAppMessageTemplateBindings,
    WhatsAppMessageTemplateBindingsComponent,
)
from azure.core.exceptions import AzureError

from adapters.acs_client import AcsChannel, translated
from adapters.conversations_table import TableConversationStore
from domain.errors import ProviderError
from domain.ports import CitizenChannels, CitizenNotice, NoticeChannelName

__all__ = ["AcsWhatsAppChannel", "ChannelReplies", "TableConversationStore", "template_content"]
LANGUAGE = "pt_BR"
_PRIVATE = "(o link é só seu, não compartilhe)."


@dataclass(frozen=True)
class WhatsAppTemplate:
    body: str  # as registered with Meta, {{n}} for the n-th value
    variables: tuple[str, ...]  # what each value is, in order


_VARS = (
    "nome da unidade",
    "número da senha (do protocolo, no `reply`; dia e hora, no `reminder`)",
    "link da página do cidadão",
)


def _template(body: str) -> WhatsAppTemplate:
    return WhatsAppTemplate(f"{body} {_PRIVATE}", _VARS)


# The conversation's own templates (issue 18), for what it sends when the citizen has not written for
# 24 hours: the survey after the attendance, and a reply sent late (domain/conversation/window.py).
CONVERSATION_TEMPLATES: dict[str, WhatsAppTemplate] = {
    "survey": WhatsAppTemplate(
        "Seu atendimento em {{1}} terminou (senha {{2}}). Como foi? Responda esta mensagem com uma nota "
        "de 1 (muito insatisfeito) a 5 (muito satisfeito).",
        ("nome da unidade", "número da senha"),
    ),
    "conversation": WhatsAppTemplate(
        "Mensagem do Balcão Virtual: {{1}} Para continuar a conversa, responda esta mensagem.",
        ("a resposta da conversa",),
    ),
}


TEMPLATES: dict[str, WhatsAppTemplate] = {
    "joined": _template("Você entrou na fila de {{1}}. Sua senha é {{2}}. Acompanhe a sua vez aqui: {{3}}"),
    "near_front": _template(
        'A sua vez em {{1}} está chegando (senha {{2}}). Abra o link e toque em "Estou aqui": {{3}}'
    ),
    "called": _template("Chegou a sua vez em {{1}}! Senha {{2}}. Entre no atendimento agora: {{3}}"),
    "meeting_retry": _template(
        "A sala de atendimento de {{1}} não abriu (senha {{2}}). Estamos tentando de novo. "
        "Acompanhe aqui: {{3}}"
    ),
    "put_back": _template(
        "Você foi chamado(a) em {{1}} (senha {{2}}), mas não entrou a tempo. A sua senha voltou para a "
        "fila, alguns lugares atrás. Acompanhe aqui: {{3}}"
    ),
    "reminder": _template(
        "Lembrete: você tem atendimento marcado em {{1}} no dia {{2}}. Na hora, entre por aqui: {{3}}"
    ),
    "reply": _template(
        "Chegou a resposta de {{1}} à sua mensagem (protocolo {{2}}). Leia a resposta aqui: {{3}}"
    ),
    **CONVERSATION_TEMPLATES,
}


def template_content(channel_id: str, notice: CitizenNotice) -> TemplateNotificationContent:
    name = notice.template or notice.kind
    return template_message(channel_id, notice.contact, name, notice.template_values)


def template_message(
    channel_id: str, contact: str, name: str, values: tuple[str, ...]
) -> TemplateNotificationContent:
    """The template `name` of `TEMPLATES`, its values bound to `{{1}}`... (refused if they do not fit)."""
    known = TEMPLATES.get(name)
    if known is None:
        raise ProviderError(f"Modelo de WhatsApp desconhecido: {name}.", channel="whatsapp", template=name)
    if len(values) != len(known.variables) or not all(values):
        raise ProviderError(
            f"O modelo de WhatsApp {name} pede {len(known.variables)} valores.",
            channel="whatsapp",
            template=name,
        )
    bound: list[MessageTemplateValue] = [
        MessageTemplateText(name=f"v{i}", text=text) for i, text in enumerate(values, 1)
    ]
    bindings = WhatsAppMessageTemplateBindings(
        body=[WhatsAppMessageTemplateBindingsComponent(ref_value=value.name) for value in bound]
    )
    return TemplateNotificationContent(
        channel_registration_id=channel_id,
        to=[contact],
        template=MessageTemplate(name=name, language=LANGUAGE, template_values=bound, bindings=bindings),
    )


class AcsWhatsAppChannel(AcsChannel[NotificationMessagesClient]):
    name: NoticeChannelName = "whatsapp"

    def send(self, notice: CitizenNotice) -> str:
        return self._send(template_content(self._sender, notice))

    def say(self, contact: str, text: str) -> str:
        """Free-form text (domain.conversation.ports.TextReplies), inside the 24-hour window."""
        return self._send(
            TextNotificationContent(channel_registration_id=self._sender, to=[contact], content=text)
        )

    def template(self, contact: str, name: str, values: tuple[str, ...]) -> str:
        """A template of the conversation (domain.conversation.ports.TextReplies), outside the window."""
        return self._send(template_message(self._sender, contact, name, values))

    def _send(self, content: TemplateNotificationContent | TextNotificationContent) -> str:
        try:
            result = self._client.send(content)
        except AzureError as exc:
            raise translated(self.name, exc) from None
        receipts = result.receipts or []
        if not receipts or not receipts[0].message_id:
            raise ProviderError("O serviço de WhatsApp não devolveu o número da mensagem.", channel=self.name)
        return str(receipts[0].message_id)


class ChannelReplies:
    """`TextReplies` through the deployment's WhatsApp channel (looked up on each use: the channels are
    built lazily, and a deployment without WhatsApp has none)."""

    def __init__(self, channels: CitizenChannels) -> None:
        self._channels = channels

    def say(self, contact: str, text: str) -> str:
        return str(self._method("say")(contact, text))

    def template(self, contact: str, name: str, values: tuple[str, ...]) -> str:
        return str(self._method("template")(contact, name, values))

    def _method(self, name: str) -> Callable[..., object]:
        method = getattr(self._channels.get("whatsapp"), name, None)
        if method is None:
            raise ProviderError("O WhatsApp não está configurado nesta instalação.", channel="whatsapp")
        return cast(Callable[..., object], method)
