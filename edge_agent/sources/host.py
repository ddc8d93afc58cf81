"""Host health read from the kernel: CPU, memory, disk, SoC temperature (where exposed) and interface byte rates.

Everything comes from the files the kernel documents in proc(5) and sysfs, which is all psutil reads on Linux
too; reading them here saves the gateway psutil's import (0.9 MB RSS, docs/benchmarks.md "A lighter agent"):
- cpu_pct: /proc/stat `cpu` line, busy share of the jiffies since the last read (busy = all - idle - iowait;
  guest time is already inside user/nice, as psutil also treats it);
- mem_pct: /proc/meminfo, (MemTotal - MemAvailable) / MemTotal (psutil's `virtual_memory().percent`);
- disk_pct: statvfs(disk_path), used / (used + available to unprivileged users) (psutil's `disk_usage`);
- net_rx/tx_mbps: /proc/net/dev byte counters of the configured interfaces (all but lo by default);
- temp_c: the best hwmon sensor's `temp*_input` files, else the thermal zones' `temp` (millidegrees).

The temperature files are found once (the sensors a board has are fixed at boot) and read directly each tick.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from edge_agent.sources.base import Reading, checked

MIN_FIRST_INTERVAL_S = 0.2

# Sensor names a Raspberry Pi (cpu_thermal), x86 (coretemp, k10temp) or a generic SoC exposes, best first.
_TEMP_SENSORS = ("cpu_thermal", "soc_thermal", "coretemp", "k10temp", "acpitz")
HWMON_ROOT = Path("/sys/class/hwmon")
THERMAL_ROOT = Path("/sys/class/thermal")
PROC = Path("/proc")


def _sensor_files(root: Path, pattern: str, name_file: str, inputs: str) -> dict[str, list[Path]]:
    by_name: dict[str, list[Path]] = {}
    for device in sorted(root.glob(pattern)):
        try:
            name = (device / name_file).read_text().strip()
        except OSError:
            continue
        by_name.setdefault(name, []).extend(sorted(device.glob(inputs)))
    return by_name


def find_temperature_inputs(hwmon_root: Path | None = None, thermal_root: Path | None = None) -> list[Path]:
    """The temperature files of the best sensor (by _TEMP_SENSORS, else the first found): hwmon devices first,
    then thermal zones (a board whose SoC sensor has no hwmon driver); [] if none."""
    for by_name in (
        _sensor_files(hwmon_root or HWMON_ROOT, "hwmon*", "name", "temp*_input"),
        _sensor_files(thermal_root or THERMAL_ROOT, "thermal_zone*", "type", "temp"),
    ):
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


def cpu_times(proc: Path = PROC) -> tuple[int, int]:
    """(busy, total) jiffies from the aggregate `cpu` line of /proc/stat."""
    with open(proc / "stat", "rb") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice]: guest is counted in user already
    total = sum(fields[:8])
    return total - fields[3] - fields[4], total


def memory_percent(proc: Path = PROC) -> float | None:
    values: dict[bytes, int] = {}
    with open(proc / "meminfo", "rb") as meminfo:
        for line in meminfo:
            key, _, rest = line.partition(b":")
            if key in (b"MemTotal", b"MemAvailable"):
                values[key] = int(rest.split()[0])
    total, available = values.get(b"MemTotal"), values.get(b"MemAvailable")
    if not total or available is None:
        return None
    return (total - available) / total * 100


def disk_percent(path: str) -> float | None:
    st = os.statvfs(path)
    used = (st.f_blocks - st.f_bfree) * st.f_frsize
    usable = used + st.f_bavail * st.f_frsize
    return used / usable * 100 if usable else None


def net_bytes(interfaces: set[str], proc: Path = PROC) -> tuple[int, int]:
    """Summed (rx, tx) byte counters of `interfaces` (empty: every interface but lo) from /proc/net/dev."""
    rx = tx = 0
    with open(proc / "net" / "dev", "rb") as dev:
        for line in dev.readlines()[2:]:  # two header lines
            name, _, counters = line.partition(b":")
            iface = name.strip().decode()
            if (iface in interfaces) if interfaces else iface != "lo":
                fields = counters.split()
                rx += int(fields[0])
                tx += int(fields[8])
    return rx, tx


class HostSource:
    name = "host"

    def __init__(self, config: dict[str, Any]) -> None:
        self.disk_path = config["disk_path"]
        self.interfaces = set(config["interfaces"])
        self._temp_inputs = find_temperature_inputs()
        self._last_cpu = cpu_times()  # primes the counter: the first real reading covers one interval
        self._last_net = (time.monotonic(), *net_bytes(self.interfaces))
        self._first_read = True

    def _cpu_percent(self) -> float | None:
        busy, total = cpu_times()
        last_busy, last_total = self._last_cpu
        self._last_cpu = (busy, total)
        if total <= last_total:
            return None  # under one jiffy since the last read: no figure rather than a made-up 0
        return min(100.0, max(0.0, (busy - last_busy) / (total - last_total) * 100))

    def read(self) -> Reading:
        if self._first_read:  # `i5g agent check` reads right after priming: give the counters a moment
            self._first_read = False
            time.sleep(max(0.0, MIN_FIRST_INTERVAL_S - (time.monotonic() - self._last_net[0])))
        now = time.monotonic()
        rx, tx = net_bytes(self.interfaces)
        then, last_rx, last_tx = self._last_net
        self._last_net = (now, rx, tx)
        elapsed = now - then
        values: dict[str, float | None] = {
            "cpu_pct": self._cpu_percent(),
            "mem_pct": memory_percent(),
            "disk_pct": disk_percent(self.disk_path),
            "temp_c": read_millidegrees(self._temp_inputs) if self._temp_inputs else None,
        }
        if elapsed > 0 and rx >= last_rx and tx >= last_tx:  # counters reset when an interface comes back
            values["net_rx_mbps"] = (rx - last_rx) * 8 / elapsed / 1e6
            values["net_tx_mbps"] = (tx - last_tx) * 8 / elapsed / 1e6
        return Reading(checked(values))

    def close(self) -> None:
        pass
