"""A real asyncua OPC UA server standing in for a PLC, in a subprocess (tests and bench/agent_footprint.py).

Its own process so a test can kill it and start it again on the same port (the agent's reconnect). Address
space, namespace index 2 ("urn:i5g:test-plc"):
- ns=2;s=Line1.AGV7.PosErrMm    Double 123.0 (mm)
- ns=2;i=1001                   Int32 2500 (inference latency, µs)
- ns=2;s=Line1.Sensors.Count    UInt32, +1 every 0.1 s (a value that keeps changing)
- ns=2;s=Line1.State            String "RUN" (not a number)
- ns=2;s=Line1.Axes             Double[3] (an array: not one number either)

    python -m tests.agent.opcua_server --port N [--user NAME --password-file F] [--cert C --key K]

With --user, anonymous sessions are refused; with --cert/--key only Basic256Sha256 endpoints (Sign and
SignAndEncrypt) are offered. Prints "ready" once it listens.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

from devstack.process import free_port, port_is_open

REPO = Path(__file__).resolve().parents[2]
NAMESPACE = "urn:i5g:test-plc"
POS_ERR = "ns=2;s=Line1.AGV7.PosErrMm"
INFER_US = "ns=2;i=1001"
COUNTER = "ns=2;s=Line1.Sensors.Count"
STATE = "ns=2;s=Line1.State"
AXES = "ns=2;s=Line1.Axes"


async def serve(args: argparse.Namespace) -> None:
    from asyncua import Server, ua
    from asyncua.crypto.permission_rules import User, UserRole
    from asyncua.server.user_managers import UserManager

    user_manager = None
    if args.user:
        expected = (args.user, Path(args.password_file).read_text().strip())

        class PasswordUsers(UserManager):
            def get_user(self, iserver: Any, username: Any = None, password: Any = None, certificate: Any = None):
                return User(role=UserRole.User) if (username, password) == expected else None

        user_manager = PasswordUsers()
    server = Server(user_manager=user_manager)
    await server.init()
    server.set_endpoint(f"opc.tcp://127.0.0.1:{args.port}/i5g/")
    server.set_server_name("i5g test PLC")
    if args.cert:
        await server.load_certificate(args.cert, format="pem")
        await server.load_private_key(args.key, format="pem")
        server.set_security_policy(
            [ua.SecurityPolicyType.Basic256Sha256_Sign, ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt]
        )
    if args.user:
        server.set_security_IDs(["Username"])
    index = await server.register_namespace(NAMESPACE)
    line = await server.nodes.objects.add_object(ua.NodeId("Line1", index), "Line1")
    await line.add_variable(ua.NodeId("Line1.AGV7.PosErrMm", index), "PosErrMm", 123.0, ua.VariantType.Double)
    await line.add_variable(ua.NodeId(1001, index), "InferUs", 2500, ua.VariantType.Int32)
    counter = await line.add_variable(ua.NodeId("Line1.Sensors.Count", index), "Count", 0, ua.VariantType.UInt32)
    await line.add_variable(ua.NodeId("Line1.State", index), "State", "RUN", ua.VariantType.String)
    await line.add_variable(ua.NodeId("Line1.Axes", index), "Axes", [0.5, 1e308, -1.0], ua.VariantType.Double)
    async with server:
        print("ready", flush=True)
        count = 0
        while True:
            await asyncio.sleep(0.1)
            count += 1
            await counter.write_value(count, ua.VariantType.UInt32)


class OpcUaTestServer:
    """The server above as a subprocess on a fixed free port: start(), stop(), start() again."""

    def __init__(self, *extra: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.endpoint = f"opc.tcp://127.0.0.1:{self.port}/i5g/"
        self.extra = list(extra)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> OpcUaTestServer:
        argv = [sys.executable, "-m", "tests.agent.opcua_server", "--port", str(self.port), *self.extra]
        self.proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # blocks until "ready" (or EOF if it died)
        if line.strip() != b"ready" or not port_is_open(self.port):
            self.stop()
            raise RuntimeError(f"OPC UA test server did not start on port {self.port}")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # a PLC that loses power: no goodbye to the clients
            self.proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user")
    parser.add_argument("--password-file")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
