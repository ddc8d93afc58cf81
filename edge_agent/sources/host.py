"""Host health from psutil: CPU, memory, disk, SoC temperature (where exposed) and interface byte rates.

The temperature files are found once: psutil.sensors_temperatures() rescans every hwmon device and thermal
zone on each call (dozens of sysfs reads, about a sixth of a tick's CPU here), while the sensors a board has
are fixed at boot. On Linux the chosen sensor's `temp*_input` files are read directly each tick; elsewhere,
or for sensors only psutil can see, psutil is asked each tick; with no sensor at start, none is looked for.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from edge_agent.sources.base import Reading, checked

MIN_FIRST_INTERVAL_S = 0.2

# Sensor names a Raspberry Pi (cpu_thermal), x86 (coretemp, k10temp) or a generic SoC exposes, best first.
_TEMP_SENSORS = ("cpu_thermal", "soc_thermal", "coretemp", "k10temp", "acpitz")
HWMON_ROOT = Path("/sys/class/hwmon")


def find_temperature_inputs(hwmon_root: Path | None = None) -> list[Path]:
    """The `temp*_input` files of the best sensor (by _TEMP_SENSORS, else the first found); [] if none."""
    by_name: dict[str, list[Path]] = {}
    for device in sorted((hwmon_root or HWMON_ROOT).glob("hwmon*")):
        try:
            name = (device / "name").read_text().strip()
        except OSError:
            continue
        by_name.setdefault(name, []).extend(sorted(device.glob("temp*_input")))
    for name in (*_TEMP_SENSORS, *by_name):
        if by_name.get(name):
            return by_name[name]
    return []


def read_millidegrees(paths: list[Path]) -> float | None:
    """Highest of the readable sensor files, in °C (sysfs reports millidegrees)."""
    readings = []
    for path in paths:
        try:
            readings.append(int(path.read_text()) / 1000)
        except (OSError, ValueError):  # a sensor can fail to read (ENODATA) while the others work
            continue
    return max(readings) if readings else None


class HostSource:
    name = "host"

    def __init__(self, config: dict[str, Any]) -> None:
        import psutil  # lazily: only gateways that enable this source pay for it

        self._psutil = psutil
        self.disk_path = config["disk_path"]
        self.interfaces = set(config["interfaces"])
        psutil.cpu_percent(None)  # primes the counter: the first real reading covers one interval
        self._temp_inputs = find_temperature_inputs()
        self._psutil_temperature = not self._temp_inputs and self._psutil_temperature_now() is not None
        self._last_net = self._net_bytes()
        self._first_read = True

    def _net_bytes(self) -> tuple[float, int, int]:
        counters = self._psutil.net_io_counters(pernic=True)
        names = self.interfaces or {name for name in counters if name != "lo"}
        rx = sum(c.bytes_recv for name, c in counters.items() if name in names)
        tx = sum(c.bytes_sent for name, c in counters.items() if name in names)
        return time.monotonic(), rx, tx

    def _temperature(self) -> float | None:
        if self._temp_inputs:
            return read_millidegrees(self._temp_inputs)
        return self._psutil_temperature_now() if self._psutil_temperature else None

    def _psutil_temperature_now(self) -> float | None:
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
