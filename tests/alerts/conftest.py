"""Alert fixtures: the registry app on a fresh migrated SQLite database (the evidence tests' session app), the
evaluator's session factory on the same database, real local HTTP receivers for the channels and a real SMTP
server (aiosmtpd)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from registry.alerts.settings import AlertSettings
from registry.db import make_sessionmaker
from tests.evidence.conftest import EvidenceApi, evidence_settings
from tests.evidence.conftest import evidence_api as evidence_api  # the fixtures, shared
from tests.evidence.conftest import evidence_app as evidence_app

FIXTURES = Path(__file__).parent / "fixtures"


def platform_messages() -> dict[str, Any]:
    return json.loads((FIXTURES / "platform_messages.json").read_text("utf-8"))


def alert_settings(**overrides: object) -> AlertSettings:
    values: dict[str, object] = {
        "allow_private_targets": True,  # the receivers run on 127.0.0.1
        "retry_base_s": 1,
        "max_attempts": 3,
        "send_timeout_s": 3,
        **overrides,
    }
    return AlertSettings(**values)  # type: ignore[arg-type]


@dataclass
class AlertEnv:
    api: EvidenceApi
    factory: sessionmaker[Session]
    settings: AlertSettings

    @property
    def client(self):  # type: ignore[no-untyped-def]
        return self.api.client


@pytest.fixture
def alert_env(evidence_api: EvidenceApi, influxdb) -> AlertEnv:  # type: ignore[no-untyped-def]
    evidence_api.use(evidence_settings(influxdb.url, influxdb.database))
    settings = alert_settings()
    factory = make_sessionmaker(evidence_api.app.state.engine)  # type: ignore[attr-defined]
    return AlertEnv(evidence_api, factory, settings)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that records every POST and answers with `answer(request)`."""

    answer: Callable[[Received], tuple[int, bytes]]
    requests: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    started: list[Receiver] = []

    def start(answer: Callable[[Received], tuple[int, bytes]] | None = None) -> Receiver:
        box = Receiver(answer or (lambda _r: (200, b'{"errcode":0,"errmsg":"ok","code":0}')))

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                got = Received(self.path, dict(self.headers.items()), self.rfile.read(length))
                box.requests.append(got)
                status, body = box.answer(got)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        box.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=box.server.serve_forever, daemon=True).start()
        started.append(box)
        return box

    yield start
    for box in started:
        assert box.server is not None
        box.server.shutdown()
        box.server.server_close()


@dataclass
class Mailbox:
    messages: list[Any]
    port: int


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    """aiosmtpd's Controller: a real SMTP server in a thread, keeping every message it accepts."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    from devstack.process import free_port

    messages: list[Any] = []

    class Keep(Message):
        def handle_message(self, message: Any) -> None:
            messages.append(message)

    controller = Controller(Keep(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield Mailbox(messages, controller.port)
    finally:
        controller.stop()
