"""A daemon thread that calls a function, waits, and calls it again until stopped."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Periodic:
    def __init__(self, name: str, action: Callable[[], object], interval_s: Callable[[], float]) -> None:
        self._name = name
        self._action = action
        self._interval_s = interval_s  # asked after every call, so the pace can depend on the outcome
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, immediately: bool) -> None:
        self._thread = threading.Thread(target=self._run, args=(immediately,), name=self._name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, immediately: bool) -> None:
        if not immediately and self._stop.wait(self._interval_s()):
            return
        while not self._stop.is_set():
            self._action()
            if self._stop.wait(self._interval_s()):
                return
