"""Pacing of a citizen-notice channel across instances: at most N sends in any window of W seconds per
channel, every instance included (the window lives in Table Storage: adapters/limits_table.py
`pacer`), so that a burst of calls never exceeds what the provider accepts (Flex Consumption runs the
`citizen-notices` queue on many instances at once).

A send waits for its slot up to `max_wait_s`; a slot further away raises `TransientProviderError`,
and the delivery retries the channel later (domain/usecases/citizen_notices.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from adapters.teams_webhook import RateWindow
from domain.errors import ProviderError, TransientProviderError
from domain.ports import CitizenChannel, CitizenNotice, NoticeChannelName


class PacedChannel:
    """A `CitizenChannel` that books a slot of its channel's shared window before each send."""

    def __init__(
        self,
        channel: CitizenChannel,
        window: RateWindow,
        *,
        max_wait_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._channel = channel
        self.name: NoticeChannelName = channel.name
        self._window = window
        self._max_wait_s = max_wait_s
        self._clock = clock
        self._sleep = sleep

    def send(self, notice: CitizenNotice) -> str:
        self._wait()
        return self._channel.send(notice)

    def say(self, contact: str, text: str) -> str:
        """A free-form reply of the conversation (issue 18), in the same window as the notices."""
        return self._conversation("say", contact, text)

    def template(self, contact: str, name: str, values: tuple[str, ...]) -> str:
        """A template of the conversation (issue 18: outside the 24-hour window), in the same window."""
        return self._conversation("template", contact, name, values)

    def _conversation(self, method: str, *args: object) -> str:
        send = getattr(self._channel, method, None)
        if send is None:
            raise ProviderError(f"O canal {self.name} não envia mensagens da conversa.", channel=self.name)
        self._wait()
        return str(send(*args))

    def _wait(self) -> None:
        start = self._window.reserve(self._clock() + self._max_wait_s)
        if start is None:
            raise TransientProviderError("Muitos avisos ao mesmo tempo; este sai em seguida.", reason="paced")
        delay = start - self._clock()
        if delay > 0:
            self._sleep(delay)
