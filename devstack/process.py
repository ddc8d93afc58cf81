"""Start, health-check and stop one native server process (Mosquitto, InfluxDB ...).

Used by `i5g stack` and by the tests, which start their own instances on free ports in temp dirs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Self


class ServiceError(RuntimeError):
    """A service could not be started: the message says which and why (binary missing, port taken ...)."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_open(port: int, host: str = "127.0.0.1", timeout: float = 0.2) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def require_binary(name: str, debian_package: str, extra_dirs: Sequence[str] = ()) -> str:
    path = shutil.which(name, path=os.pathsep.join([*extra_dirs, os.environ.get("PATH", ""), "/usr/sbin"]))
    if path is None:
        raise ServiceError(f"{name} not found: install Debian's {debian_package} package (make test does)")
    return path


LOG_GENERATIONS = 3  # <part>.log is this run's; .1 the run before, ... (older ones are deleted)


def rotate_log(path: Path, keep: int = LOG_GENERATIONS) -> None:
    """Start each run of a part with an empty log, so an old warning never looks new."""
    if not path.exists() or path.stat().st_size == 0:
        return
    path.with_name(f"{path.name}.{keep}").unlink(missing_ok=True)
    for generation in range(keep - 1, 0, -1):
        older = path.with_name(f"{path.name}.{generation}")
        if older.exists():
            older.replace(path.with_name(f"{path.name}.{generation + 1}"))
    path.replace(path.with_name(f"{path.name}.1"))


class ManagedProcess:
    """A child process with a log file, a readiness check and a clean stop (SIGTERM, then SIGKILL)."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        ready: Callable[[], bool],
        *,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        ports: Sequence[int] = (),
    ) -> None:
        self.name = name
        self.ports = tuple(ports)
        self.argv = list(argv)
        self.log_path = log_path
        self.ready = ready
        self.env = env
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        # A readiness probe on a port someone else holds would pass: refuse before starting.
        taken = [port for port in self.ports if port_is_open(port)]
        if taken:
            raise ServiceError(f"{self.name}: port {taken[0]} on 127.0.0.1 is already in use")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        rotate_log(self.log_path)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServiceError(f"{self.name} exited with {self.proc.returncode} at start:\n{self.log_tail()}")
            if self.ready():
                return
            time.sleep(0.05)
        self.stop()
        raise ServiceError(f"{self.name} not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL: what power loss or the OOM killer does; tests use it for fault injection."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class ConfiguredServer:
    """A server that writes its config file, then runs as one ManagedProcess (Mosquitto, InfluxDB)."""

    process: ManagedProcess
    start_timeout: float = 30.0

    def write_config(self) -> None:
        raise NotImplementedError

    def start(self, timeout: float | None = None) -> Self:
        self.write_config()
        self.process.start(timeout or self.start_timeout)
        return self

    def stop(self) -> None:
        self.process.stop()

    def kill(self) -> None:
        """SIGKILL, for fault injection."""
        self.process.kill()

    def restart(self) -> None:
        self.stop()
        self.process.start(self.start_timeout)
