"""What a queue listener and a timer scheduler share: one function's loop on its own daemon thread.

`start` runs `_run` on the thread; `wake` cuts the loop's current wait short; `stop` asks the loop to end
(`_stopping`), wakes it and whatever waits on `_state`, lets the subclass interrupt what else it waits on
(`_interrupt`), joins the thread (10 s at most) and lets the subclass release what it holds (`_close`).

`_state` guards what other threads read of a listener (the host, waiting for it to be idle): at least
`_in_flight`, the invocations running now; `_finished` counts one out and tells the host (`on_change`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from devhost.indexing import FunctionSpec
from devhost.invoker import Invoker


class Listener:
    def __init__(
        self, function: FunctionSpec, invoker: Invoker, on_change: Callable[[], None], thread_name: str
    ) -> None:
        self.function = function
        self._invoker = invoker
        self._on_change = on_change
        self._thread_name = thread_name
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = threading.Condition()
        self._in_flight = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Cut the loop's current wait short (a queue listener polls now)."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        with self._state:
            self._state.notify_all()
        self._interrupt()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._close()

    def _run(self) -> None:
        raise NotImplementedError

    def _finished(self) -> None:
        """One invocation has ended: count it out, wake whoever waits on `_state`, tell the host."""
        with self._state:
            self._in_flight -= 1
            self._state.notify_all()
        self._on_change()

    def _interrupt(self) -> None:
        """Wake whatever else the loop waits on (nothing by default)."""

    def _close(self) -> None:
        """Let go of what the listener holds once its thread has ended (nothing by default)."""
