"""Modbus TCP source against a real pymodbus server: every register type, byte and word orders, failures."""

from __future__ import annotations

import struct
from collections.abc import Iterator

import pytest

from edge_agent.sources.modbus import ModbusSource, decode_registers
from i5g.stack.process import free_port
from tests.agent.modbus_server import ModbusTestServer


def words(fmt: str, value: float) -> list[int]:
    raw = struct.pack(">" + fmt, value)
    return [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]


def swap_bytes(word: int) -> int:
    return ((word & 0xFF) << 8) | (word >> 8)


# Device registers: what a PLC or sensor gateway would expose.
HOLDING: dict[int, int] = {
    0: words("h", -123)[0],  # int16 temperature x0.1 -> -12.3
    1: 4200,  # uint16 sensor points/s
    # int32, big-endian words at 2-3: vision inference latency in µs -> ms with scale 0.001
    **dict(enumerate(words("i", 25_500), start=2)),
    # uint32 with the LOW word first (word_order little) at 4-5
    **dict(enumerate(reversed(words("I", 3_000_000)), start=4)),
    # float32 big-endian at 6-7
    **dict(enumerate(words("f", 17.25), start=6)),
    # uint16 with bytes swapped inside the register at 8
    8: swap_bytes(950),
}
INPUTS: dict[int, int] = dict(enumerate(words("f", 23.5), start=0))


def reg(kpi: str, address: int, type_: str, **extra: object) -> dict[str, object]:
    return {"kpi": kpi, "address": address, "type": type_, "table": "holding", "scale": 1.0, "offset": 0.0,
            "byte_order": "big", "word_order": "big", **extra}  # fmt: skip


REGISTERS = [
    reg("temp_c", 0, "int16", scale=0.1),
    reg("sensor_pps", 1, "uint16"),
    reg("vision_infer_ms", 2, "int32", scale=0.001),
    reg("video_mbps", 4, "uint32", word_order="little", scale=1e-5),
    reg("sinr_db", 6, "float32"),
    reg("vision_fps", 8, "uint16", byte_order="little", scale=0.1),
    reg("ctrl_loop_ms", 0, "float32", table="input"),
]


@pytest.fixture
def modbus_server() -> Iterator[ModbusTestServer]:
    server = ModbusTestServer(HOLDING, INPUTS).start()
    try:
        yield server
    finally:
        server.stop()


def device(port: int, registers: list[dict[str, object]]) -> dict[str, object]:
    return {"host": "127.0.0.1", "port": port, "unit_id": 1, "timeout_s": 0.5, "registers": registers}


def test_reads_every_type_and_order_from_a_real_server(modbus_server: ModbusTestServer) -> None:
    source = ModbusSource({"devices": [device(modbus_server.port, REGISTERS)]})
    try:
        first = source.read().kpis
        second = source.read().kpis  # the connection is reused
    finally:
        source.close()
    assert first == {
        "temp_c": -12.3,
        "sensor_pps": 4200.0,
        "vision_infer_ms": 25.5,
        "video_mbps": 30.0,
        "sinr_db": 17.25,
        "vision_fps": 95.0,
        "ctrl_loop_ms": 23.5,
    }
    assert second == first


def test_a_dead_device_does_not_hide_the_others(modbus_server: ModbusTestServer) -> None:
    dead = device(free_port(), [reg("rtt_ms", 0, "uint16")])
    source = ModbusSource({"devices": [dead, device(modbus_server.port, REGISTERS[:2])]})
    try:
        assert source.read().kpis == {"temp_c": -12.3, "sensor_pps": 4200.0}
    finally:
        source.close()


def test_all_devices_dead_is_an_error() -> None:
    source = ModbusSource({"devices": [device(free_port(), [reg("rtt_ms", 0, "uint16")])]})
    with pytest.raises(RuntimeError, match="connect failed"):
        source.read()


def test_out_of_range_register_value_is_rejected(modbus_server: ModbusTestServer) -> None:
    # 4200 % is not a percentage: the contract's range check drops it.
    source = ModbusSource({"devices": [device(modbus_server.port, [reg("cpu_pct", 1, "uint16")])]})
    try:
        assert source.read().kpis == {}
    finally:
        source.close()


def test_decode_registers_orders() -> None:
    assert decode_registers([0x0001, 0x0002], "uint32") == 0x00010002
    assert decode_registers([0x0002, 0x0001], "uint32", word_order="little") == 0x00010002
    assert decode_registers([0x0100], "uint16", byte_order="little") == 1
    assert decode_registers([0xFFFF], "int16") == -1
