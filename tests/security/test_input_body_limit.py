"""Issue 16.2: request bodies are limited before they are read, on every route.

Attacked as an attacker would, with raw sockets against the registry running as its own uvicorn process
(`i5g registry serve`), so its memory can be measured: the kernel's peak resident set (VmHWM) of that process
may grow by at most BOUND_MB whatever is sent. Each attack streams ATTACK_MB; before the fix the registry
held all of it (and more) in memory before answering 401.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from devstack.process import ManagedProcess, free_port
from devstack.stack import child_env
from tests.registry.support import make_tokens

ATTACK_MB = 128
BOUND_MB = 48
CHUNK = b"x" * (1 << 20)


@dataclass
class RegistryProcess:
    process: ManagedProcess
    port: int
    collector_token: str

    def peak_rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024


@pytest.fixture
def registry_process(tmp_path: Path) -> Iterator[RegistryProcess]:
    from registry.schema import prepare_database

    database_url = f"sqlite:///{tmp_path / 'registry.db'}"
    prepare_database(database_url)
    _staff, collector = make_tokens(database_url)
    port = free_port()
    env = child_env({"I5G_DATABASE_URL": database_url})

    def ready() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    argv = [sys.executable, "-m", "i5g.cli", "registry", "serve", "--port", str(port)]
    process = ManagedProcess("registry", argv, tmp_path / "registry.log", ready, env=env, cwd=tmp_path, ports=[port])
    process.start()
    try:
        yield RegistryProcess(process, port, collector)
    finally:
        process.stop()


def _attack(port: int, head: str, body_chunks: Iterator[bytes]) -> tuple[int, dict[str, str], bytes]:
    """Send `head` then the body chunks while reading the answer in parallel (the server may answer and close
    before the body is through). Returns (status, headers, body) of the first response."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)

    def send() -> None:
        try:
            sock.sendall(head.encode("latin-1"))
            for chunk in body_chunks:
                sock.sendall(chunk)
        except OSError:
            pass  # refused mid-body: what we want

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    received = b""
    try:
        while b"\r\n\r\n" not in received or len(received) < _expected_length(received):
            data = sock.recv(65536)
            if not data:
                break
            received += data
    finally:
        sock.close()
        sender.join(20)
    head_part, _, body = received.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def _expected_length(received: bytes) -> int:
    head, sep, _ = received.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(head) + len(sep) + int(value)
    return len(received)


def _plain(megabytes: int) -> Iterator[bytes]:
    for _ in range(megabytes):
        yield CHUNK


def _chunked(megabytes: int) -> Iterator[bytes]:
    for _ in range(megabytes):
        yield b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n"
    yield b"0\r\n\r\n"


def _request(method: str, path: str, port: int, *headers: str) -> str:
    return "\r\n".join([f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", *headers, "", ""])


def test_huge_chunked_and_lying_bodies_keep_memory_bounded(registry_process: RegistryProcess) -> None:
    port = registry_process.port
    # A legitimate large body below its route's higher limit still works: a collector's status report of
    # 5 000 gateways with long ids is more than the 1 MiB default limit.
    statuses = [{"id": f"gw-legit-{n:06d}-" + "a" * 180, "online": True, "last_seen": None} for n in range(5_000)]
    legit = json.dumps({"statuses": statuses}).encode()
    assert len(legit) > 1 << 20
    answer = httpx.post(
        f"http://127.0.0.1:{port}/api/v1/gateways/status",
        content=legit,
        headers={"Authorization": f"Bearer {registry_process.collector_token}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["unknown"]) == 5_000
    baseline = registry_process.peak_rss_mb()

    # 1. A huge declared Content-Length, anonymous, on the route of the report: refused before it is read.
    head = _request(
        "POST", "/api/v1/gateways/status", port, "Content-Type: application/json", f"Content-Length: {ATTACK_MB << 20}"
    )
    status, headers, body = _attack(port, head, _plain(ATTACK_MB))
    assert status == 413, body[:300]
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body)["error"]["code"] == "payload_too_large"

    # 2. Chunked, no length at all: counted as it streams, refused once past the limit.
    head = _request("POST", "/api/v1/usecases", port, "Content-Type: application/json", "Transfer-Encoding: chunked")
    status, headers, body = _attack(port, head, _chunked(ATTACK_MB))
    assert status == 413, body[:300]
    assert json.loads(body)["error"]["code"] == "payload_too_large"

    # 3. A lying Content-Length (small, then far more bytes): only the declared bytes are the body, the rest is
    # refused by the HTTP parser as a malformed next request; nothing accumulates.
    head = _request("POST", "/api/v1/gateways/status", port, "Content-Type: application/json", "Content-Length: 16")
    status, _headers, _body = _attack(port, head, _plain(ATTACK_MB))
    assert status in (400, 401, 413)

    # 4. A browser posting a huge form to a page gets the site's error page, not JSON.
    head = _request(
        "POST",
        "/login",
        port,
        "Accept: text/html",
        "Accept-Language: en",
        "Content-Type: application/x-www-form-urlencoded",
        "Transfer-Encoding: chunked",
    )
    status, headers, body = _attack(port, head, _chunked(8))
    assert status == 413
    assert headers["content-type"].startswith("text/html")
    assert "too large" in body.decode()

    grown = registry_process.peak_rss_mb() - baseline
    print(f"registry peak RSS {baseline:.0f} MB before the attacks, grew by {grown:.1f} MB")
    assert grown < BOUND_MB, f"registry peak RSS grew by {grown:.0f} MB while refusing {ATTACK_MB} MB bodies"
    assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
