"""The stack's state folder: one place for data, generated config, secrets, logs and pid files.

<state_dir>/
  secrets.json             broker admin + collector passwords, registry tokens (mode 0600, made once)
  fleet-credentials.json   {gateway_id, password, scenario} per simulated gateway (mode 0600)
  stack.json               ports and URLs of the running stack (read by `status`)
  run/<part>.pid           {"pid", "argv"}: a pid counts only while /proc/<pid>/cmdline still matches argv
  logs/<part>.log
  mosquitto/ influxdb/ registry.db collector/ fleet/
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path
from typing import Any


def write_private(path: Path, data: Any) -> None:
    """JSON readable by the owner only, written atomically (a crash never leaves half a secrets file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
    os.replace(tmp, path)


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
