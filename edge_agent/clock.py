"""Whether the wall clock may stamp samples (a Raspberry Pi has no real-time clock).

After a power cut a Pi boots with the clock of 1970 (or of its last shutdown, with fake-hwclock) until NTP
answers, and a factory network may have no NTP for hours. Samples stamped with that clock are dead-lettered
by the collector (too old / ahead) or, worse, land at the wrong time. So each sample is either stamped with
the wall clock (when it is trusted) or held in the spool with the monotonic clock and the boot id; when the
clock becomes trusted, held samples of this boot are restamped: ts = monotonic + (wall - monotonic) taken at
that moment (CLOCK_MONOTONIC does not jump when NTP steps the wall clock). Held samples of an earlier boot
cannot be placed in time and are dropped (counted in the status message's `dropped`).

Modes (`clock_sync`):
- `kernel`: trusted once the kernel reports synchronised (adjtimex() not TIME_ERROR, i.e. an NTP client has
  disciplined it: systemd-timesyncd, chrony, ntpd) or systemd-timesyncd's marker file exists.
- `file`: trusted once `clock_synced_file` exists (for a sync daemon that can touch a file).
- `auto` (default): trusted when timesyncd's marker exists or the wall clock is past a floor no real sample
  can predate (this agent's release, or the newest sample already spooled): on hosts whose kernel never
  reports synchronisation (containers, some dev machines) a plausible clock is used, a 1970/2000 clock never
  is. (It does not ask the kernel: that could not change its answer, and ctypes costs RSS.)
- `trust`: always trusted (the pre-existing behaviour).

Standard library only (ctypes is loaded only in `kernel` mode).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

TIME_ERROR = 5  # adjtimex(2): "the system clock is not synchronized to a reliable server"
TIMESYNCD_MARKER = Path("/run/systemd/timesync/synchronized")
# No sample of this agent can predate its release: 2026-01-01T00:00:00Z.
RELEASE_FLOOR_MS = 1_767_225_600_000


_adjtimex: Callable[[], int] | None = None


def kernel_synchronised() -> bool:
    """adjtimex(2) with modes 0 (read only): False on TIME_ERROR, on failure or where there is no adjtimex."""
    global _adjtimex
    try:
        if _adjtimex is None:
            import ctypes  # ~0.5 MB RSS; ctypes.util (find_library) would add 1 MB and an ldconfig run

            libc = ctypes.CDLL(None, use_errno=True)  # the process's own symbols: libc is already loaded
            buffer = ctypes.create_string_buffer(512)  # struct timex is 208 bytes on 64-bit Linux; modes = 0

            def read_state() -> int:
                ctypes.memset(buffer, 0, len(buffer))  # modes 0: read only, whatever the last call left
                return int(libc.adjtimex(buffer))

            _adjtimex = read_state
        state = _adjtimex()
    except (OSError, AttributeError):
        return False
    return 0 <= state != TIME_ERROR


def monotonic_ms() -> int:
    return int(time.monotonic() * 1000)


def boot_id() -> str:
    """The kernel's id of this boot: monotonic times of different boots cannot be compared."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unknown"


def synchronised_check(mode: str, marker: Path) -> Callable[[], bool]:
    """What tells, for `mode`, that an NTP client has set the clock (see the module doc)."""
    if mode == "file":
        return marker.exists
    if mode == "trust":
        return lambda: True
    if mode == "auto":
        # The kernel's word could not change auto's answer (a clock past the floor is used anyway, one before
        # it cannot be right), so auto does not load ctypes: the agent's RSS is a product goal.
        return lambda: marker.exists() or TIMESYNCD_MARKER.exists()
    return lambda: marker.exists() or TIMESYNCD_MARKER.exists() or kernel_synchronised()


class StampingClock:
    """Decides per sample whether the wall clock may stamp it. `synchronised` is injectable (tests fake it)."""

    def __init__(self, mode: str, synchronised: Callable[[], bool], floor_ms: int = RELEASE_FLOOR_MS) -> None:
        self.mode = mode
        self._synchronised = synchronised
        self.floor_ms = floor_ms
        self._trusted_once = False  # once synchronised, a later NTP outage does not make the clock wrong
        self._logged: bool | None = None

    def trusted(self, wall_ms: int) -> bool:
        if self.mode == "trust":
            return True
        if not self._trusted_once:
            if self._synchronised():
                self._trusted_once = True
            elif self.mode == "auto" and wall_ms >= self.floor_ms:
                self._note(True, "clock not reported synchronised; using it because it is past %d ms", self.floor_ms)
                return True
            else:
                self._note(False, "clock not synchronised (mode %s): holding samples on monotonic time", self.mode)
                return False
        self._note(True, "clock synchronised (mode %s): stamping samples", self.mode)
        return True

    def _note(self, trusted: bool, message: str, arg: object) -> None:
        if self._logged is not trusted:
            self._logged = trusted
            (log.info if trusted else log.warning)(message, arg)
