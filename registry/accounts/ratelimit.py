"""Login rate limiting: a sliding window of failed attempts per client address and per account.

In-process memory is enough for the single registry process this project runs; counting both keys stops a
password being guessed for one e-mail from many addresses and many e-mails being tried from one address.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class LoginRateLimiter:
    def __init__(
        self,
        max_failures: int = 5,
        window_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(client: str, email: str) -> tuple[str, str]:
        return (f"ip:{client}", f"email:{email.strip().lower()}")

    def _recent(self, key: str, now: float) -> deque[float]:
        stamps = self._failures.get(key)
        if stamps is None:
            return deque()
        while stamps and now - stamps[0] > self.window_seconds:
            stamps.popleft()
        if not stamps:
            del self._failures[key]
        return stamps

    def retry_after(self, client: str, email: str) -> int:
        """Seconds until another attempt is allowed; 0 when one is allowed now."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in self._keys(client, email):
                stamps = self._recent(key, now)
                if len(stamps) >= self.max_failures:
                    wait = max(wait, self.window_seconds - (now - stamps[0]))
        return int(wait) + 1 if wait > 0 else 0

    def record_failure(self, client: str, email: str) -> None:
        now = self._clock()
        with self._lock:
            for key in self._keys(client, email):
                self._failures.setdefault(key, deque()).append(now)

    def reset(self, client: str, email: str) -> None:
        """A successful login forgets the failures of that account (not of the address)."""
        with self._lock:
            self._failures.pop(self._keys(client, email)[1], None)
