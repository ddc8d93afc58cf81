"""The stack's state folder: one place for data, generated config, secrets, logs and pid files.

<state_dir>/
  secrets.json             broker admin + collector passwords, InfluxDB accounts, registry tokens (made once)
  fleet-credentials.json   {gateway_id, password, scenario} per simulated gateway (mode 0600)
  stack.json               ports and URLs of the running stack (read by `status`)
  run/<part>.pid           {"pid", "argv"}: a pid counts only while /proc/<pid>/cmdline still matches argv
  logs/<part>.log
  mosquitto/ influxdb/ registry.db collector/ fleet/

Everything in it is private to the owner (files 0600, folders 0700), whatever the umask: it holds password
hashes (dynamic-security.json), the registry's token hashes and users (registry.db), secrets and telemetry.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from pathlib import Path

from i5g.files import write_private

PRIVATE_UMASK = 0o077


def make_private(root: Path) -> None:
    """Files 0600 and folders 0700 under root (root included): fixes a state folder made by an older version
    or under a looser umask. Symlinks are left alone (their targets are not ours to change)."""
    if not root.is_dir():
        return
    root.chmod(0o700)
    for path in root.rglob("*"):
        with contextlib.suppress(FileNotFoundError):  # a part may be deleting its own temp files
            if path.is_symlink():
                continue
            path.chmod(0o700 if path.is_dir() else 0o600)


def _cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


class StackState:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.run_dir = self.root / "run"
        self.log_dir = self.root / "logs"
        self.secrets_path = self.root / "secrets.json"
        self.credentials_path = self.root / "fleet-credentials.json"
        self.info_path = self.root / "stack.json"

    def log(self, part: str) -> Path:
        return self.log_dir / f"{part}.log"

    def held_path(self, part: str) -> Path:
        """Present while the operator keeps `part` stopped (`i5g stack fleet stop`)."""
        return self.run_dir / f"{part}.held"

    # ------------------------------------------------------------------------------------------- secrets

    def secrets(self) -> dict[str, str]:
        """Load, or create on first use, the stack's generated secrets."""
        data: dict[str, str] = {}
        if self.secrets_path.exists():
            data = json.loads(self.secrets_path.read_text())
        defaults = {
            "broker_admin_username": "i5g-admin",
            "broker_admin_password": secrets.token_urlsafe(24),
            "collector_mqtt_username": "i5g-collector",
            "collector_mqtt_password": secrets.token_urlsafe(24),
            "registry_secret_key": secrets.token_urlsafe(32),
            # InfluxDB runs with auth: an admin, the collector's writer and a reader (registry, dashboards).
            "influx_admin_username": "i5g-influx-admin",
            "influx_admin_password": secrets.token_urlsafe(24),
            "influx_writer_username": "i5g-collector",
            "influx_writer_password": secrets.token_urlsafe(24),
            "influx_reader_username": "i5g-reader",
            "influx_reader_password": secrets.token_urlsafe(24),
            # The evidence rollup job: reads raw samples and writes rollups (ALL on the database, no admin).
            "influx_rollup_username": "i5g-rollup",
            "influx_rollup_password": secrets.token_urlsafe(24),
        }
        missing = {key: value for key, value in defaults.items() if key not in data}
        if missing:
            data.update(missing)
            write_private(self.secrets_path, data)
        return data

    def save_secret(self, key: str, value: str) -> None:
        data = self.secrets()
        data[key] = value
        write_private(self.secrets_path, data)

    # ------------------------------------------------------------------------------------------- pid files

    def write_pid(self, part: str, pid: int, argv: list[str] | None = None) -> None:
        # Pass the argv a child was started with: right after the spawn /proc may not show it yet.
        argv = argv if argv is not None else _cmdline(pid) or []
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / f"{part}.pid").write_text(json.dumps({"pid": pid, "argv": argv}))

    def live_pid(self, part: str) -> int | None:
        """The part's pid if that process still runs (and is still the one we started, not a reused pid)."""
        path = self.run_dir / f"{part}.pid"
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        pid = int(record.get("pid", 0))
        if pid <= 0 or _cmdline(pid) != record.get("argv"):
            return None
        return pid

    def clear_pid(self, part: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.run_dir / f"{part}.pid").unlink()

    def pid_parts(self) -> list[str]:
        if not self.run_dir.is_dir():
            return []
        return sorted(path.stem for path in self.run_dir.glob("*.pid"))
