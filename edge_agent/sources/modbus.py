"""Modbus TCP devices (pymodbus client, extra `agent-modbus`): registers mapped to KPIs by the config.

Each register entry names the KPI, the address, the table (holding/input), the type (int16, uint16, int32,
uint32, float32), scale and offset (value = raw * scale + offset), the byte order inside each 16-bit register
and, for 32-bit types, the word order (big = high word at the lower address, the Modbus convention).
A device that does not answer costs its own KPIs only; the other devices are still read.

Registers of one device that sit next to each other (or overlap) in one table are read with one request
(up to 125 registers, the Modbus limit), as SCADA pollers do: every request is a network round trip and
a wake-up of the agent, and on a gateway polling once a second those, not the decoding, are its CPU cost.
Gaps are never bridged: an address the device does not map would fail the whole request.
"""

from __future__ import annotations

import logging
import struct
from typing import Any, NamedTuple

from edge_agent.sources.base import Reading, checked

log = logging.getLogger(__name__)

_FORMATS = {"int16": "h", "uint16": "H", "int32": "i", "uint32": "I", "float32": "f"}
MAX_REGISTERS_PER_READ = 125  # Modbus application protocol: quantity of registers 1..125 (0x7D)


def register_count(type_name: str) -> int:
    return 1 if type_name in ("int16", "uint16") else 2


def decode_registers(registers: list[int], type_name: str, byte_order: str = "big", word_order: str = "big") -> float:
    """Registers as read (16-bit words, lowest address first) -> number."""
    words = list(registers)
    if word_order == "little":
        words.reverse()  # low word first on the wire: put the high word first
    raw = b"".join(w.to_bytes(2, "big") for w in words)
    if byte_order == "little":
        raw = b"".join(raw[i : i + 2][::-1] for i in range(0, len(raw), 2))
    return float(struct.unpack(">" + _FORMATS[type_name], raw)[0])


class ReadSpan(NamedTuple):
    """One read request: `count` registers of `table` from `start`, and the register entries it serves."""

    table: str
    start: int
    count: int
    registers: tuple[dict[str, Any], ...]


def plan_reads(registers: list[dict[str, Any]]) -> list[ReadSpan]:
    """Contiguous or overlapping registers of one table -> one request per span (spans ordered by table and
    address)."""
    spans: list[ReadSpan] = []
    ordered = sorted(registers, key=lambda reg: (reg["table"], reg["address"]))
    for reg in ordered:
        end = reg["address"] + register_count(reg["type"])
        last = spans[-1] if spans else None
        if (
            last is not None
            and last.table == reg["table"]
            and reg["address"] <= last.start + last.count
            and max(end, last.start + last.count) - last.start <= MAX_REGISTERS_PER_READ
        ):
            count = max(end, last.start + last.count) - last.start
            spans[-1] = ReadSpan(last.table, last.start, count, (*last.registers, reg))
        else:
            spans.append(ReadSpan(reg["table"], reg["address"], end - reg["address"], (reg,)))
    return spans


class ModbusSource:
    name = "modbus"

    def __init__(self, config: dict[str, Any]) -> None:
        from pymodbus.client import ModbusTcpClient  # lazily: only gateways with Modbus devices load pymodbus

        self.devices = config["devices"]
        self._plans = [plan_reads(d["registers"]) for d in self.devices]
        self._clients = [
            ModbusTcpClient(d["host"], port=int(d["port"]), timeout=float(d["timeout_s"]), retries=0)
            for d in self.devices
        ]

    def read(self) -> Reading:
        values: dict[str, float | None] = {}
        errors: list[str] = []
        for device, plan, client in zip(self.devices, self._plans, self._clients, strict=True):
            try:
                values.update(self._read_device(device, plan, client))
            except Exception as exc:  # one dead device must not hide the others
                client.close()
                errors.append(f"{device['host']}:{device['port']}: {exc}")
        if errors and not values:
            raise RuntimeError("; ".join(errors))
        for error in errors:
            log.warning("modbus: %s", error)
        return Reading(checked(values))

    @staticmethod
    def _read_device(device: dict[str, Any], plan: list[ReadSpan], client: Any) -> dict[str, float]:
        if not client.connected and not client.connect():
            raise ConnectionError("connect failed")
        values: dict[str, float] = {}
        unit = int(device["unit_id"])
        for span in plan:
            read = client.read_holding_registers if span.table == "holding" else client.read_input_registers
            response = read(span.start, count=span.count, device_id=unit)
            if response.isError():
                raise RuntimeError(f"{span.table} registers {span.start}-{span.start + span.count - 1}: {response}")
            words = response.registers
            for reg in span.registers:
                offset = reg["address"] - span.start
                raw_words = words[offset : offset + register_count(reg["type"])]
                raw = decode_registers(raw_words, reg["type"], reg["byte_order"], reg["word_order"])
                values[reg["kpi"]] = raw * float(reg["scale"]) + float(reg["offset"])
        return values

    def close(self) -> None:
        for client in self._clients:
            client.close()
