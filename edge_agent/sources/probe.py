"""Network probe without root: RTT, jitter and loss to the configured targets.

TCP: time a TCP connect (SYN -> SYN/ACK) to host:port; a refused connect still measured a round trip,
a timeout counts as lost. ICMP: an unprivileged datagram ICMP socket (Linux, when the process's group is
inside net.ipv4.ping_group_range); `auto` uses it where permitted and TCP otherwise.

rtt_ms is the mean over all answered attempts to all targets, jitter_ms the mean absolute difference of
consecutive RTTs (RFC 3550 style), loss_pct the share of unanswered attempts.
"""

from __future__ import annotations

import itertools
import os
import socket
import struct
import time
from typing import Any

from edge_agent.sources.base import Reading, checked


def parse_target(target: str, default_port: int | None) -> tuple[str, int | None]:
    host, sep, port = target.rpartition(":")
    if sep and port.isdigit() and not host.endswith(":"):
        return host.strip("[]"), int(port)
    return target.strip("[]"), default_port


def tcp_rtt(host: str, port: int, timeout: float) -> float | None:
    start = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except ConnectionRefusedError:
        pass  # an RST is an answer: the round trip happened
    except OSError:
        return None
    return (time.perf_counter() - start) * 1000


def icmp_allowed() -> bool:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP).close()
    except OSError:
        return False
    return True


def icmp_rtt(host: str, timeout: float, seq: int) -> float | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP) as sock:
        sock.settimeout(timeout)
        header = struct.pack("!BBHHH", 8, 0, 0, 0, seq & 0xFFFF)  # the kernel fills checksum and id
        start = time.perf_counter()
        try:
            sock.sendto(header + os.urandom(16), (host, 0))
            while True:
                data = sock.recv(1024)
                if data[0] == 0 and struct.unpack("!H", data[6:8])[0] == seq & 0xFFFF:  # echo reply, our seq
                    return (time.perf_counter() - start) * 1000
        except OSError:
            return None


def summarize(rtts: list[float | None]) -> dict[str, float | None]:
    answered = [r for r in rtts if r is not None]
    values: dict[str, float | None] = {"loss_pct": 100.0 * (len(rtts) - len(answered)) / len(rtts) if rtts else None}
    if answered:
        values["rtt_ms"] = sum(answered) / len(answered)
    if len(answered) >= 2:
        values["jitter_ms"] = sum(abs(b - a) for a, b in itertools.pairwise(answered)) / (len(answered) - 1)
    return values


class ProbeSource:
    name = "probe"

    def __init__(self, config: dict[str, Any]) -> None:
        self.count = int(config["count"])
        self.timeout = float(config["timeout_s"])
        method = config["method"]
        self.use_icmp = method == "icmp" or (method == "auto" and icmp_allowed())
        self.targets = [parse_target(t, None if self.use_icmp else 443) for t in config["targets"]]
        self._seq = 0

    def read(self) -> Reading:
        rtts: list[float | None] = []
        for host, port in self.targets:
            for _ in range(self.count):
                if self.use_icmp and port is None:
                    self._seq += 1
                    rtts.append(icmp_rtt(host, self.timeout, self._seq))
                else:
                    rtts.append(tcp_rtt(host, port or 443, self.timeout))
        return Reading(checked(summarize(rtts)))

    def close(self) -> None:
        pass
