"""Modbus TCP devices: registers mapped to KPIs by the config, read with a small built-in Modbus TCP client.

Each register entry names the KPI, the address, the table (holding/input), the type (int16, uint16, int32,
uint32, float32), scale and offset (value = raw * scale + offset), the byte order inside each 16-bit register
and, for 32-bit types, the word order (big = high word at the lower address, the Modbus convention).
A device that does not answer costs its own KPIs only; the other devices are still read.

Registers of one device that sit next to each other (or overlap) in one table are read with one request
(up to 125 registers, the Modbus limit), as SCADA pollers do: every request is a network round trip and
a wake-up of the agent, and on a gateway polling once a second those, not the decoding, are its CPU cost.
Gaps are never bridged: an address the device does not map would fail the whole request.

The client (`ModbusTcpClient` below) speaks only what the source needs - function codes 03 (read holding
registers) and 04 (read input registers) over TCP - as the specifications define them: the MBAP header of
"MODBUS Messaging on TCP/IP Implementation Guide V1.0b" §3.1.3 (transaction id, protocol id 0, length, unit id)
and the request/response/exception PDUs of "MODBUS Application Protocol Specification V1.1b3" §6.3, §6.4 and
§7. It replaced pymodbus's client, whose import (asyncio, its framers and PDU classes) cost the gateway 3.4 MB
RSS, more than the whole rest of the source (docs/benchmarks.md "A lighter agent"); pymodbus remains the
reference server the tests read from. Every answer is checked before use: transaction id, protocol id, unit id,
function code, byte count and length must match the request, else the connection is dropped (a late answer to
a timed-out request must never be taken for the next one's).
"""

from __future__ import annotations

import logging
import socket
import struct
import time
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


class ModbusError(RuntimeError):
    """The device answered with a Modbus exception, or with something that is not an answer to the request."""


EXCEPTION_CODES = {  # Application Protocol V1.1b3 §7
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "server device failure",
    5: "acknowledge",
    6: "server device busy",
    10: "gateway path unavailable",
    11: "gateway target device failed to respond",
}
FUNCTIONS = {"holding": 0x03, "input": 0x04}
_MBAP = struct.Struct(">HHHB")  # transaction id, protocol id (0), length (unit id + PDU), unit id


class ModbusTcpClient:
    """One Modbus TCP connection; `read_registers` sends one request and waits for its answer."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._sock: socket.socket | None = None
        self._transaction = 0

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def connect(self) -> bool:
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError:
            return False
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return True

    def _receive(self, size: int, deadline: float) -> bytes:
        """Exactly `size` bytes before `deadline` (monotonic): a device that dribbles its answer a byte at a time
        cannot hold the agent longer than one timeout per request."""
        assert self._sock is not None
        data = b""
        while len(data) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("timed out waiting for the answer")
            self._sock.settimeout(remaining)
            chunk = self._sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("connection closed by the device")
            data += chunk
        return data

    def read_registers(self, table: str, address: int, count: int, unit: int) -> list[int]:
        if not 1 <= count <= MAX_REGISTERS_PER_READ or not 0 <= address <= 0xFFFF - count + 1:
            raise ValueError(f"cannot read {count} registers from {address}")
        if self._sock is None:
            raise ConnectionError("not connected")
        function = FUNCTIONS[table]
        self._transaction = (self._transaction + 1) & 0xFFFF
        try:
            self._sock.sendall(
                _MBAP.pack(self._transaction, 0, 6, unit) + struct.pack(">BHH", function, address, count)
            )
            deadline = time.monotonic() + self.timeout
            transaction, protocol, length, answer_unit = _MBAP.unpack(self._receive(_MBAP.size, deadline))
            if not 2 <= length <= 254:  # unit id + PDU; a PDU is at most 253 bytes
                raise ModbusError(f"invalid MBAP length {length}")
            pdu = self._receive(length - 1, deadline)
            if (transaction, protocol, answer_unit) != (self._transaction, 0, unit):
                raise ModbusError(f"answer to another request (transaction {transaction}, unit {answer_unit})")
            if pdu[0] == function | 0x80 and len(pdu) == 2:
                raise ModbusError(f"exception {pdu[1]} ({EXCEPTION_CODES.get(pdu[1], 'unknown')})")
            if pdu[0] != function or len(pdu) != 2 + 2 * count or pdu[1] != 2 * count:
                raise ModbusError(f"malformed answer to function {function}: {pdu[:8].hex()}")
        except (OSError, ModbusError):
            self.close()  # the stream may be out of step: start again on a fresh connection
            raise
        return list(struct.unpack(f">{count}H", pdu[2:]))

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None


class ModbusSource:
    name = "modbus"

    def __init__(self, config: dict[str, Any]) -> None:
        self.devices = config["devices"]
        self._plans = [plan_reads(d["registers"]) for d in self.devices]
        self._clients = [ModbusTcpClient(d["host"], int(d["port"]), float(d["timeout_s"])) for d in self.devices]

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
    def _read_device(device: dict[str, Any], plan: list[ReadSpan], client: ModbusTcpClient) -> dict[str, float]:
        if not client.connected and not client.connect():
            raise ConnectionError("connect failed")
        values: dict[str, float] = {}
        unit = int(device["unit_id"])
        for span in plan:
            try:
                words = client.read_registers(span.table, span.start, span.count, unit)
            except ModbusError as exc:
                raise ModbusError(f"{span.table} registers {span.start}-{span.start + span.count - 1}: {exc}") from exc
            for reg in span.registers:
                offset = reg["address"] - span.start
                raw_words = words[offset : offset + register_count(reg["type"])]
                raw = decode_registers(raw_words, reg["type"], reg["byte_order"], reg["word_order"])
                values[reg["kpi"]] = raw * float(reg["scale"]) + float(reg["offset"])
        return values

    def close(self) -> None:
        for client in self._clients:
            client.close()
