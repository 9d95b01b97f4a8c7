"""In-memory citizen-notice channels (`CitizenChannel`): record what they were asked to send and can be
told to fail (a number of transient failures, "gone", or broken for good), as the real adapters do."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.errors import ContactGoneError, ProviderError, TransientProviderError
from domain.ports import CitizenChannel, CitizenNotice, NoticeChannelName


@dataclass
class RecordingChannel:
    name: NoticeChannelName
    sent: list[CitizenNotice] = field(default_factory=list)
    tried: int = 0
    transient_failures: int = 0  # the next N sends raise TransientProviderError
    gone: bool = False  # every send raises ContactGoneError (Web Push 404/410)
    broken: str = ""  # every send raises ProviderError with this message
    next_failures: list[str] = field(default_factory=list)  # one per send: "gone" | "transient" | "refused"

    def send(self, notice: CitizenNotice) -> str:
        self.tried += 1
        once = self.next_failures.pop(0) if self.next_failures else ""
        if once == "transient":
            raise TransientProviderError("O serviço de avisos não respondeu.")
        if once == "refused":
            raise ProviderError("O serviço de avisos recusou o aviso.")
        if self.gone or once == "gone":
            raise ContactGoneError()
        if self.broken:
            raise ProviderError(self.broken)
        if self.transient_failures:
            self.transient_failures -= 1
            raise TransientProviderError("O serviço de avisos não respondeu.")
        self.sent.append(notice)
        return f"{self.name}-{len(self.sent)}"


class Channels(dict[str, CitizenChannel]):
    """`CitizenChannels` over a dict of channels."""

    def get(self, name: str, default: CitizenChannel | None = None) -> CitizenChannel | None:  # type: ignore[override]
        return super().get(name, default)
