"""5G/LTE signal from ModemManager: `mmcli -m N --signal-get --output-keyvalue`.

ModemManager reports SNR, not SINR; it goes to sinr_db (the contract's description says so). 5G values win
over LTE ones (on EN-DC both are present; the NR leg carries the data). "--" marks a missing value, and
values outside the contract's 3GPP ranges are dropped.
"""

from __future__ import annotations

import subprocess
from typing import Any

from edge_agent.sources.base import Reading, checked

# mmcli key suffix -> KPI name
_SIGNAL_KEYS = {"rsrp": "rsrp_dbm", "rsrq": "rsrq_db", "snr": "sinr_db"}
# (mmcli technology key, RAT written to ctx), best first
_TECHNOLOGIES = (("5g", "NR5G"), ("lte", "LTE"))


def parse_keyvalue(text: str) -> dict[str, str]:
    """`key : value` lines as printed by --output-keyvalue (values may themselves contain colons)."""
    result: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            result[key.strip()] = value.strip()
    return result


def _number(value: str | None) -> float | None:
    if value is None or value in ("--", "-", ""):
        return None
    try:
        return float(value.split()[0])  # some versions append the unit ("-95.00 dBm")
    except ValueError:
        return None


def parse_signal(text: str) -> Reading:
    pairs = parse_keyvalue(text)
    reading = Reading()
    for tech, rat in _TECHNOLOGIES:
        values = {kpi: _number(pairs.get(f"modem.signal.{tech}.{key}")) for key, kpi in _SIGNAL_KEYS.items()}
        accepted = checked(values)
        if not accepted:
            continue
        for name, value in accepted.items():
            reading.kpis.setdefault(name, value)
        reading.ctx.setdefault("rat", rat)
    return reading


class ModemManagerSource:
    name = "modem_mm"

    def __init__(self, config: dict[str, Any]) -> None:
        self.base = [config["mmcli"], "-m", str(config["modem"])]
        self.timeout = float(config["timeout_s"])
        # Signal polling is off until a refresh rate is set; once per start is enough.
        self._run(f"--signal-setup={int(config['signal_rate_s'])}")

    def _run(self, *args: str) -> str:
        result = subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=self.timeout, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"mmcli {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")
        return result.stdout

    def read(self) -> Reading:
        return parse_signal(self._run("--signal-get", "--output-keyvalue"))

    def close(self) -> None:
        pass
