"""Modbus TCP source against a real pymodbus server: every register type, byte and word orders, failures."""

from __future__ import annotations

import contextlib
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest

from devstack.process import free_port
from edge_agent.sources.modbus import (
    MAX_REGISTERS_PER_READ,
    ModbusError,
    ModbusSource,
    ModbusTcpClient,
    decode_registers,
    plan_reads,
)
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


def test_adjacent_registers_are_read_with_one_request_per_table(modbus_server: ModbusTestServer) -> None:
    source = ModbusSource({"devices": [device(modbus_server.port, REGISTERS)]})
    requests: list[tuple[str, int, int]] = []
    client = source._clients[0]
    method = client.read_registers

    def counted(table: str, address: int, count: int, unit: int) -> list[int]:
        requests.append((table, address, count))
        return method(table, address, count, unit)

    client.read_registers = counted  # type: ignore[method-assign]
    try:
        assert len(source.read().kpis) == len(REGISTERS)
    finally:
        source.close()
    assert requests == [("holding", 0, 9), ("input", 0, 2)]


def test_plan_never_bridges_gaps_and_respects_the_request_limit() -> None:
    gap = plan_reads([reg("rtt_ms", 0, "uint16"), reg("jitter_ms", 2, "uint16")])
    assert [(s.start, s.count) for s in gap] == [(0, 1), (2, 1)]
    overlap = plan_reads([reg("rtt_ms", 10, "float32"), reg("jitter_ms", 11, "uint16"), reg("loss_pct", 12, "int16")])
    assert [(s.start, s.count, len(s.registers)) for s in overlap] == [(10, 3, 3)]
    long_run = plan_reads([reg("rtt_ms", address, "uint16") for address in range(200)])
    assert [(s.start, s.count) for s in long_run] == [(0, MAX_REGISTERS_PER_READ), (125, 75)]
    tables = plan_reads([reg("rtt_ms", 0, "uint16"), reg("jitter_ms", 1, "uint16", table="input")])
    assert [(s.table, s.start) for s in tables] == [("holding", 0), ("input", 1)]


def test_a_span_the_device_does_not_map_is_named_in_the_error(modbus_server: ModbusTestServer) -> None:
    source = ModbusSource({"devices": [device(modbus_server.port, [reg("rtt_ms", 300, "uint32")])]})
    try:
        with pytest.raises(RuntimeError, match="holding registers 300-301"):
            source.read()
    finally:
        source.close()


def hostile_device(answer: bytes) -> tuple[socket.socket, threading.Thread]:
    """A TCP peer that reads one request and sends `answer` built from it: a misbehaving or malicious device."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            request = conn.recv(12)
            conn.sendall(request[:2] + answer if answer[:1] != b"!" else answer[1:])
            with contextlib.suppress(OSError):
                conn.recv(1)  # until the client hangs up (or resets the connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, thread


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (b"!" + bytes.fromhex("beef0000000501030200") + b"\x2a", "another request"),  # wrong transaction id
        (bytes.fromhex("000000050203020000"), "another request"),  # wrong unit id
        (bytes.fromhex("0000ffff01") + b"\x03" * 64, "invalid MBAP length 65535"),  # length beyond any PDU
        (bytes.fromhex("000000050103040000"), "malformed answer"),  # byte count says 2 registers, 1 asked
        (bytes.fromhex("0000000301" + "8302"), "exception 2 (illegal data address)"),
        (bytes.fromhex("0000000601030200"), "timed out"),  # promised 5 PDU bytes, sent 3 and went quiet
    ],
)
def test_a_hostile_device_answer_is_refused_and_the_connection_dropped(answer: bytes, error: str) -> None:
    listener, thread = hostile_device(answer)
    client = ModbusTcpClient("127.0.0.1", listener.getsockname()[1], 0.3)
    try:
        assert client.connect()
        with pytest.raises((ModbusError, OSError), match=re.escape(error)):
            client.read_registers("holding", 0, 1, 1)
        assert not client.connected  # a stream out of step is never read again
    finally:
        client.close()
        thread.join(5)
        listener.close()


def test_a_device_dribbling_its_answer_is_cut_off_at_one_timeout() -> None:
    """A valid answer sent a byte every 0.1 s takes 1.1 s; the client gives the whole answer 0.5 s."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        with conn, contextlib.suppress(OSError):
            request = conn.recv(12)
            for byte in request[:2] + bytes.fromhex("00000005010302002a"):
                conn.sendall(bytes([byte]))
                time.sleep(0.1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = ModbusTcpClient("127.0.0.1", listener.getsockname()[1], 0.5)
    try:
        assert client.connect()
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            client.read_registers("holding", 0, 1, 1)
        assert time.monotonic() - started < 0.9
    finally:
        client.close()
        thread.join(5)
        listener.close()
