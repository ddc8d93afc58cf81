"""Host health from psutil: CPU, memory, disk, SoC temperature (where exposed) and interface byte rates."""

from __future__ import annotations

import time
from typing import Any

from edge_agent.sources.base import Reading, checked

# Sensor names a Raspberry Pi (cpu_thermal), x86 (coretemp, k10temp) or a generic SoC exposes, best first.
MIN_FIRST_INTERVAL_S = 0.2

_TEMP_SENSORS = ("cpu_thermal", "soc_thermal", "coretemp", "k10temp", "acpitz")


class HostSource:
    name = "host"

    def __init__(self, config: dict[str, Any]) -> None:
        import psutil  # lazily: only gateways that enable this source pay for it

        self._psutil = psutil
        self.disk_path = config["disk_path"]
        self.interfaces = set(config["interfaces"])
        psutil.cpu_percent(None)  # primes the counter: the first real reading covers one interval
        self._last_net = self._net_bytes()
        self._first_read = True

    def _net_bytes(self) -> tuple[float, int, int]:
        counters = self._psutil.net_io_counters(pernic=True)
        names = self.interfaces or {name for name in counters if name != "lo"}
        rx = sum(c.bytes_recv for name, c in counters.items() if name in names)
        tx = sum(c.bytes_sent for name, c in counters.items() if name in names)
        return time.monotonic(), rx, tx

    def _temperature(self) -> float | None:
        read = getattr(self._psutil, "sensors_temperatures", None)  # absent on some platforms
        if read is None:
            return None
        sensors = read()
        for name in (*_TEMP_SENSORS, *sensors):
            entries = sensors.get(name)
            if entries:
                return max(entry.current for entry in entries)
        return None

    def read(self) -> Reading:
        psutil = self._psutil
        if self._first_read:  # `i5g agent check` reads right after priming: give the counters a moment
            self._first_read = False
            time.sleep(max(0.0, MIN_FIRST_INTERVAL_S - (time.monotonic() - self._last_net[0])))
        now, rx, tx = self._net_bytes()
        then, last_rx, last_tx = self._last_net
        self._last_net = (now, rx, tx)
        elapsed = now - then
        values: dict[str, float | None] = {
            "cpu_pct": psutil.cpu_percent(None),
            "mem_pct": psutil.virtual_memory().percent,
            "disk_pct": psutil.disk_usage(self.disk_path).percent,
            "temp_c": self._temperature(),
        }
        if elapsed > 0 and rx >= last_rx and tx >= last_tx:  # counters reset when an interface comes back
            values["net_rx_mbps"] = (rx - last_rx) * 8 / elapsed / 1e6
            values["net_tx_mbps"] = (tx - last_tx) * 8 / elapsed / 1e6
        return Reading(checked(values))

    def close(self) -> None:
        pass
