"""An emulated modem on a pseudo-terminal (named as such: no modem can run here). It answers each AT command it
reads with the bytes given for it (`ERROR` for any other), so a source - or a whole agent process - reads it
through pyserial exactly as it reads a real modem's AT port. The answers come from real captures
(tests/agent/fixtures/)."""

from __future__ import annotations

import contextlib
import os
import threading
import tty
from collections.abc import Iterator


@contextlib.contextmanager
def modem_pty(answers: dict[bytes, bytes]) -> Iterator[tuple[str, list[bytes]]]:
    """Yields the pty's device path and the commands received so far (each with its CR)."""
    master, slave = os.openpty()
    tty.setraw(slave)
    received: list[bytes] = []
    stop = threading.Event()

    def respond() -> None:
        buffer = b""
        while not stop.is_set():
            try:
                chunk = os.read(master, 1024)
            except OSError:
                return
            buffer += chunk
            while b"\r" in buffer:
                command, _, buffer = buffer.partition(b"\r")
                received.append(command + b"\r")
                os.write(master, answers.get(command + b"\r", b"\r\nERROR\r\n"))

    thread = threading.Thread(target=respond, daemon=True)
    thread.start()
    try:
        yield os.ttyname(slave), received
    finally:
        stop.set()
        os.close(slave)
        os.close(master)
        thread.join(5)
