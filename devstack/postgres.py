"""A throw-away PostgreSQL server (Debian's binaries in /usr/lib/postgresql/<v>/bin) in its own directory.

initdb and postgres refuse to run as root: when we are root (CI), both run as the `postgres` system user
(setpriv execs in place, so the process we signal is postgres itself) and the directory is chowned to it.
The server listens on 127.0.0.1 on a free port with its socket in the same directory; trust authentication,
so the URL carries no password. Stopped with SIGINT (fast shutdown): SIGTERM would wait for every client.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from devstack.process import ManagedProcess, ServiceError, free_port

SERVICE_USER = "postgres"


def find_pg_bin() -> Path:
    """The newest /usr/lib/postgresql/<v>/bin holding initdb (I5G_PG_BIN overrides)."""
    override = os.environ.get("I5G_PG_BIN")
    candidates = [override] if override else sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    raise ServiceError("PostgreSQL server binaries not found: install Debian's postgresql package (make test does)")


class PostgresServer:
    def __init__(self, state_dir: Path | None = None, port: int | None = None) -> None:
        self.bin = find_pg_bin()
        self.port = port or free_port()
        self._own_dir = state_dir is None
        # Not under pytest's tmp dirs: those are mode 0700 and owned by root, so `postgres` could not enter.
        self.state_dir = Path(state_dir) if state_dir else Path(tempfile.mkdtemp(prefix="i5g-pg-"))
        self.data_dir = self.state_dir / "data"
        self.as_root = os.geteuid() == 0
        self.process: ManagedProcess | None = None

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, database: str) -> str:
        return (
            f"postgresql+psycopg://{SERVICE_USER if self.as_root else _current_user()}@127.0.0.1:{self.port}/{database}"
        )

    def _as_service_user(self, argv: list[str]) -> list[str]:
        if not self.as_root:
            return argv
        return ["setpriv", f"--reuid={SERVICE_USER}", f"--regid={SERVICE_USER}", "--init-groups", "--", *argv]

    def _prepare_dir(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            try:
                entry = pwd.getpwnam(SERVICE_USER)
            except KeyError:
                raise ServiceError("running as root needs the `postgres` system user (Debian's postgresql)") from None
            os.chown(self.state_dir, entry.pw_uid, entry.pw_gid)
        self.state_dir.chmod(0o700)

    def start(self, timeout: float = 60.0) -> PostgresServer:
        self._prepare_dir()
        user = SERVICE_USER if self.as_root else _current_user()
        initdb = [
            str(self.bin / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            user,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ]
        result = subprocess.run(
            self._as_service_user(initdb), capture_output=True, text=True, cwd=self.state_dir, check=False
        )
        if result.returncode != 0:
            raise ServiceError(f"initdb failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        postgres = [
            str(self.bin / "postgres"),
            "-D",
            str(self.data_dir),
            "-p",
            str(self.port),
            "-k",
            str(self.state_dir),
            "-c",
            "listen_addresses=127.0.0.1",
            # A throw-away server: durability is not worth the time.
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ]
        self.process = ManagedProcess(
            "postgres",
            self._as_service_user(postgres),
            self.state_dir / "postgres.log",
            ready=self._accepts_connections,
            cwd=self.state_dir,
            ports=[self.port],
        )
        self.process.start(timeout)
        return self

    def _accepts_connections(self) -> bool:
        result = subprocess.run(
            [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-t", "1"],
            capture_output=True,
            check=False,
        )
        return result.returncode == 0

    def create_database(self, name: str) -> str:
        """Create an empty UTF-8 database and return its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(self._libpq_url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self._libpq_url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _libpq_url(self, database: str) -> str:
        return self.url(database).replace("postgresql+psycopg://", "postgresql://")

    def stop(self, timeout: float = 15.0) -> None:
        process = self.process
        if process is not None and process.proc is not None and process.running():
            process.proc.send_signal(signal.SIGINT)  # fast shutdown
            try:
                process.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
        if self._own_dir:
            with contextlib.suppress(OSError):
                shutil.rmtree(self.state_dir)


def _current_user() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name
