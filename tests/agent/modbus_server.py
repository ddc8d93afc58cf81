"""A real pymodbus TCP server on a free port in a background thread (tests and bench/agent_footprint.py)."""

from __future__ import annotations

import asyncio
import threading
import time

from pymodbus.datastore import ModbusDeviceContext, ModbusSequentialDataBlock, ModbusServerContext
from pymodbus.server import ModbusTcpServer

from devstack.process import free_port, port_is_open


class ModbusTestServer:
    """Holding and input registers 0..199 with the given initial values (address -> 16-bit word)."""

    def __init__(self, holding: dict[int, int], inputs: dict[int, int] | None = None, unit_id: int = 1) -> None:
        self.port = free_port()
        self.unit_id = unit_id
        self._holding = holding
        self._inputs = inputs or {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: ModbusTcpServer | None = None
        self._thread = threading.Thread(target=self._run, name="modbus-server", daemon=True)

    @staticmethod
    def _block(values: dict[int, int]) -> ModbusSequentialDataBlock:
        words = [0] * 200
        for address, word in values.items():
            words[address] = word
        # The device context adds 1 to every request address (Modbus 1-based data model), so the block
        # starts at 1 for protocol address 0 to hold words[0].
        return ModbusSequentialDataBlock(1, words)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        # The datastore classes are deprecated in 3.16 in favour of SimDevice, which older 3.x lack.
        device = ModbusDeviceContext(hr=self._block(self._holding), ir=self._block(self._inputs))
        context = ModbusServerContext(devices={self.unit_id: device}, single=False)
        self._server = ModbusTcpServer(context, address=("127.0.0.1", self.port))  # needs the running loop
        await self._server.serve_forever()

    def start(self) -> ModbusTestServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not port_is_open(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("pymodbus server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._server is not None:
            asyncio.run_coroutine_threadsafe(self._server.shutdown(), self._loop).result(10)
        self._thread.join(10)
