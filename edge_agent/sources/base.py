"""What every source provides: `read()` -> Reading (KPI values and radio context), one call per tick.

A source that raises is logged and skipped for that tick (agent.py); it never stops the agent or the others.
Sources import their third-party library (psutil, pyserial, pymodbus) when they are built, so a gateway
that does not enable one does not pay its memory.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from i5g import contract

log = logging.getLogger(__name__)


@dataclass
class Reading:
    """What one source read in one tick: KPI values and radio context."""

    kpis: dict[str, float] = field(default_factory=dict)
    ctx: dict[str, str] = field(default_factory=dict)

    def merge(self, other: Reading) -> None:
        self.kpis.update(other.kpis)
        self.ctx.update(other.ctx)


class Source(Protocol):
    name: str

    def read(self) -> Reading: ...

    def close(self) -> None: ...


def in_range(name: str, value: float | None) -> float | None:
    """The value if it is a finite number inside the contract's range for that KPI, else None.

    This is where out-of-3GPP-range radio values (and any other impossible reading) are rejected: the
    collector would dead-letter the whole sample otherwise.
    """
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return None
    kpi = contract.KPIS[name]
    if not kpi.minimum <= value <= kpi.maximum:
        log.debug("rejected %s=%s outside %s..%s", name, value, kpi.minimum, kpi.maximum)
        return None
    # Three decimals is below every sensor's resolution and keeps payloads and the spool small.
    return int(value) if kpi.integer else round(float(value), 3)


def checked(values: dict[str, float | None]) -> dict[str, float]:
    """Only the KPIs whose values pass `in_range`."""
    result: dict[str, float] = {}
    for name, value in values.items():
        accepted = in_range(name, value)
        if accepted is not None:
            result[name] = accepted
    return result


_RADIX_DIGITS = {10: frozenset("0123456789"), 16: frozenset("0123456789abcdefABCDEF")}


def modem_int(value: str, max_digits: int, radix: int = 10, signed: bool = False) -> int | None:
    """An integer field of a modem's answer, else None: only ASCII digits of `radix` (str.isdigit() also
    accepts "²", which int() then refuses), at most `max_digits` of them, and a leading "-" only if `signed`."""
    body = value[1:] if signed and value.startswith("-") else value
    if not body or len(body) > max_digits or not set(body) <= _RADIX_DIGITS[radix]:
        return None
    return int(value, radix)


def operator_id(mcc: str | None, mnc: str | None) -> str | None:
    """`<MCC>-<MNC>` as 3GPP writes a PLMN (TS 23.003 §2.2: MCC three digits, MNC two or three), None unless both
    are digits. Modules that print them as integers (Fibocom `460,0`; an RM500Q's test network `1,01`) drop
    leading zeros; they are restored (MCC to three digits, MNC to two, the length of most MNCs), so one network
    has one label whichever module reports it (a three-digit MNC printed without its leading zero cannot be
    told from a two-digit one)."""
    if mcc is None or mnc is None or modem_int(mcc, 3) is None or modem_int(mnc, 3) is None:
        return None
    return f"{mcc.zfill(3)}-{mnc.zfill(2)}"


def ctx_value(value: Any) -> str | None:
    """A radio-context string as the contract allows it (non-empty, at most MAX_CTX_VALUE_CHARS)."""
    if value is None:
        return None
    text = str(value).strip().strip('"')
    if not text or text == "-":
        return None
    return text[: contract.MAX_CTX_VALUE_CHARS]


class AtPort:
    """A modem's AT command port (pyserial, imported when a source opens one): one command, its answer.

    Unsolicited result codes left from before are discarded before each command. Any failure closes the port
    so the next command reopens it: a modem that re-enumerated has a new device behind the same name.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        import serial  # lazily: pyserial only when a modem source is enabled

        self._serial_module = serial
        self.port_name = config["port"]
        self.baudrate = int(config["baudrate"])
        self.timeout = float(config["timeout_s"])
        self._port: Any = None

    def _open(self) -> Any:
        if self._port is None:
            self._port = self._serial_module.Serial(self.port_name, self.baudrate, timeout=0.2)
        return self._port

    def query(self, command: bytes) -> str:
        """Send `command` (with its CR) and return the lines up to and including the final "OK"."""
        port = self._open()
        try:
            port.reset_input_buffer()  # unsolicited result codes from before are not our answer
            port.write(command)
            lines: list[str] = []
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline:
                line = port.readline().decode("ascii", errors="replace").strip()
                if line:
                    lines.append(line)
                if line in ("OK", "ERROR") or line.startswith("+CME ERROR"):
                    break
            else:
                raise TimeoutError(f"{self.port_name}: no final result code within {self.timeout}s")
        except Exception:
            self.close()  # reopen next time: the modem may have re-enumerated
            raise
        if lines and lines[-1] != "OK":
            raise RuntimeError(f"{self.port_name}: {lines[-1]}")
        return "\n".join(lines)

    def close(self) -> None:
        if self._port is not None:
            try:
                self._port.close()
            finally:
                self._port = None


def log_service_change(source: str, previous: str | None, service: str | None) -> str | None:
    """Log a change of `ctx.service` (a warning when the modem lost service) and return the new state."""
    if service != previous:
        level = logging.WARNING if service in ("none", "limited") else logging.INFO
        log.log(level, "%s: service %s (was %s)", source, service, previous)
    return service


def has_radio_kpis(leg: Reading) -> bool:
    """Whether a serving-cell record carries a radio measurement (not only identity fields such as pci/arfcn)."""
    return any(name in leg.kpis for name in contract.RADIO_SIGNAL_KPIS)


def serving_reading(nr: Reading | None, lte: Reading | None, nr_rat: str) -> Reading:
    """The reading of a modem's NR and LTE serving-cell records (issue 20's EN-DC rule, for every family).

    NR-labelled KPIs come only from the NR record (`rat` = `nr_rat`); the LTE record beside it is the EN-DC
    anchor: its band and cell go to `anchor_band` / `anchor_cell_id` (its network fills `operator` when the NR
    record carries none), never to the NR ones. With no NR measurement, the LTE record is reported as LTE."""
    reading = Reading()
    if nr is not None and has_radio_kpis(nr):
        reading.kpis.update(nr.kpis)
        reading.ctx.update(nr.ctx)
        reading.ctx["rat"] = nr_rat
        if lte is not None:
            if "operator" in lte.ctx:
                reading.ctx.setdefault("operator", lte.ctx["operator"])
            for key, anchor_key in (("band", "anchor_band"), ("cell_id", "anchor_cell_id")):
                if key in lte.ctx:
                    reading.ctx[anchor_key] = lte.ctx[key]
    elif lte is not None and (has_radio_kpis(lte) or lte.ctx):
        reading.kpis.update(lte.kpis)
        reading.ctx.update(lte.ctx)
        reading.ctx["rat"] = "LTE"
    return reading


class AtSignalSource(AtPort):
    """A modem source that sends one AT command per tick and parses its answer with `parse`."""

    name = "modem_at"
    COMMAND = b"AT\r"

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._service: str | None = None

    def parse(self, text: str) -> Reading:
        raise NotImplementedError

    def read(self) -> Reading:
        reading = self.parse(self.query(self.COMMAND))
        self._service = log_service_change(self.name, self._service, reading.ctx.get("service"))
        return reading


class IdentifiedAtSource(AtSignalSource):
    """An AT source whose reading depends on the module behind the port: the module is identified on the first
    read after the port opens and forgotten when it closes (a re-enumerated port may hold another module)."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.module: Any = None

    def identify_module(self) -> Any:
        raise NotImplementedError

    def identify(self) -> Any:
        if self.module is None:
            self.module = self.identify_module()
        return self.module

    def read(self) -> Reading:
        self.identify()
        return super().read()

    def close(self) -> None:
        self.module = None
        super().close()
