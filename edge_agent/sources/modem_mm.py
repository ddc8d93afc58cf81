"""5G/LTE signal from ModemManager: `mmcli -m N --signal-get --output-json` (mmcli >= 1.12).

JSON rather than `--output-keyvalue` because that is the form public captures of real modems exist in (the
tests read them); the key-value form (`modem.signal.lte.rsrp : -92.00`) is accepted too, flattened the same way.

ModemManager reports SNR, not SINR; it goes to sinr_db (the contract's description says so). Both the 5G and
the LTE sections are read: on EN-DC the 5G section is reported (labelled NR5G) and only its own values - an
LTE value never fills a 5G gap; with no valid 5G value the LTE section is reported, labelled LTE. "--" marks a
missing value, and values outside the contract's 3GPP ranges are dropped. No public mmcli output with a 5G
section holding values was found (docs/telemetry.md "ModemManager"), so the 5G path is tested on format
fixtures only, not on a capture.

Signal polling (`--signal-setup`) lives in ModemManager's per-modem state: it is lost when the modem
re-enumerates or ModemManager restarts, and `modem.signal.refresh.rate` then reads 0. The source re-arms it
whenever that happens and after any failed mmcli call.
"""

from __future__ import annotations

import json
import logging
import subprocess
from typing import Any

from edge_agent.sources.base import Reading, checked

log = logging.getLogger(__name__)

# mmcli key suffix -> KPI name
_SIGNAL_KEYS = {"rsrp": "rsrp_dbm", "rsrq": "rsrq_db", "snr": "sinr_db"}
# (mmcli technology key, RAT written to ctx), best first
_TECHNOLOGIES = (("5g", "NR5G"), ("lte", "LTE"))


def parse_keyvalue(text: str) -> dict[str, str]:
    """mmcli output as `modem.signal.<tech>.<key>` -> value: `--output-json` (an object) flattened, or the
    `key : value` lines of --output-keyvalue (values may themselves contain colons)."""
    if text.lstrip().startswith("{"):
        return _flatten(json.loads(text))
    result: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            result[key.strip()] = value.strip()
    return result


def _flatten(node: Any, prefix: str = "") -> dict[str, str]:
    if not isinstance(node, dict):
        return {prefix: str(node)} if prefix else {}
    result: dict[str, str] = {}
    for key, value in node.items():
        result.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
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
    for tech, rat in _TECHNOLOGIES:
        values = {kpi: _number(pairs.get(f"modem.signal.{tech}.{key}")) for key, kpi in _SIGNAL_KEYS.items()}
        accepted = checked(values)
        if accepted:
            return Reading(accepted, {"rat": rat})
    return Reading()


def polling_armed(text: str) -> bool:
    """Whether `--signal-get` output shows signal polling on: False only when it prints a refresh rate of 0
    (an mmcli that prints no rate is not re-armed every tick)."""
    rate = _number(parse_keyvalue(text).get("modem.signal.refresh.rate"))
    return rate is None or rate > 0


class ModemManagerSource:
    name = "modem_mm"

    def __init__(self, config: dict[str, Any]) -> None:
        self.base = [config["mmcli"], "-m", str(config["modem"])]
        self.timeout = float(config["timeout_s"])
        self.setup_arg = f"--signal-setup={int(config['signal_rate_s'])}"
        self.armed = False
        self.rearms = 0
        # Arming at build: a modem that is not there yet fails the build, which GuardedSource retries slowly.
        self._arm()

    def _run(self, *args: str) -> str:
        result = subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=self.timeout, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"mmcli {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")
        return result.stdout

    def _arm(self) -> None:
        self._run(self.setup_arg)
        self.armed = True

    def read(self) -> Reading:
        try:
            if not self.armed:
                self._arm()
            text = self._run("--signal-get", "--output-json")
        except Exception:
            self.armed = False  # the modem may have re-enumerated: arm again once it answers
            raise
        if not polling_armed(text):
            self.rearms += 1
            log.warning("modem_mm: signal polling was off (modem re-enumerated or ModemManager restarted); re-arming")
            self._arm()
        return parse_signal(text)

    def close(self) -> None:
        pass
