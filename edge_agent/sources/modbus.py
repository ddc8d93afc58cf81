"""Modbus TCP devices (pymodbus client, extra `agent-modbus`): registers mapped to KPIs by the config.

Each register entry names the KPI, the address, the table (holding/input), the type (int16, uint16, int32,
uint32, float32), scale and offset (value = raw * scale + offset), the byte order inside each 16-bit register
and, for 32-bit types, the word order (big = high word at the lower address, the Modbus convention).
A device that does not answer costs its own KPIs only; the other devices are still read.
"""

from __future__ import annotations

import logging
import struct
from typing import Any

from edge_agent.sources.base import Reading, checked

log = logging.getLogger(__name__)

_FORMATS = {"int16": "h", "uint16": "H", "int32": "i", "uint32": "I", "float32": "f"}


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


class ModbusSource:
    name = "modbus"

    def __init__(self, config: dict[str, Any]) -> None:
        from pymodbus.client import ModbusTcpClient  # lazily: only gateways with Modbus devices load pymodbus

        self.devices = config["devices"]
        self._clients = [
            ModbusTcpClient(d["host"], port=int(d["port"]), timeout=float(d["timeout_s"]), retries=0)
            for d in self.devices
        ]

    def read(self) -> Reading:
        values: dict[str, float | None] = {}
        errors: list[str] = []
        for device, client in zip(self.devices, self._clients, strict=True):
            try:
                values.update(self._read_device(device, client))
            except Exception as exc:  # one dead device must not hide the others
                client.close()
                errors.append(f"{device['host']}:{device['port']}: {exc}")
        if errors and not values:
            raise RuntimeError("; ".join(errors))
        for error in errors:
            log.warning("modbus: %s", error)
        return Reading(checked(values))

    @staticmethod
    def _read_device(device: dict[str, Any], client: Any) -> dict[str, float]:
        if not client.connected and not client.connect():
            raise ConnectionError("connect failed")
        values: dict[str, float] = {}
        for reg in device["registers"]:
            read = client.read_holding_registers if reg["table"] == "holding" else client.read_input_registers
            response = read(reg["address"], count=register_count(reg["type"]), device_id=int(device["unit_id"]))
            if response.isError():
                raise RuntimeError(f"register {reg['address']}: {response}")
            raw = decode_registers(response.registers, reg["type"], reg["byte_order"], reg["word_order"])
            values[reg["kpi"]] = raw * float(reg["scale"]) + float(reg["offset"])
        return values

    def close(self) -> None:
        for client in self._clients:
            client.close()
