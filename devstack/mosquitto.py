"""A native Mosquitto 2 broker: config, optional dynamic-security plugin, persistence, start/stop."""

from __future__ import annotations

import glob
import os
import pwd
import subprocess
from dataclasses import dataclass
from pathlib import Path

from devstack.process import ConfiguredServer, ManagedProcess, ServiceError, free_port, port_is_open, require_binary

DYNSEC_PLUGIN_GLOBS = (
    "/usr/lib/*/mosquitto_dynamic_security.so",
    "/usr/lib/mosquitto_dynamic_security.so",
    "/usr/local/lib/mosquitto_dynamic_security.so",
)


def dynsec_plugin_path() -> str:
    for pattern in DYNSEC_PLUGIN_GLOBS:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    raise ServiceError("mosquitto_dynamic_security.so not found: install Debian's mosquitto package")


@dataclass
class BrokerAdmin:
    username: str
    password: str


@dataclass
class TlsListener:
    """A second, TLS-only listener (docs/operations.md shows how to make the files with openssl)."""

    port: int
    certfile: Path
    keyfile: Path
    cafile: Path | None = None


class MosquittoServer(ConfiguredServer):
    """One broker in `state_dir`, listening on 127.0.0.1:`port`.

    With `admin` set, the dynamic-security plugin is loaded and anonymous access is refused; the admin
    account (created with `mosquitto_ctrl dynsec init`, which writes the plugin's initial file) may use
    the `$CONTROL/dynamic-security/v1` topic. Without it the broker allows anonymous clients (for tests
    that are not about security).
    """

    start_timeout = 20.0

    def __init__(
        self,
        state_dir: Path,
        port: int | None = None,
        *,
        admin: BrokerAdmin | None = None,
        persistence: bool = True,
        max_queued_messages: int = 100_000,
        extra_config: str = "",
        policy_dir: Path | None = None,
        tls: TlsListener | None = None,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.port = port or free_port()
        self.admin = admin
        self.persistence = persistence
        self.max_queued_messages = max_queued_messages
        self.extra_config = extra_config
        # With policy_dir (deploy/mosquitto/conf.d, shared with compose), the policy lines come from there
        # and this class only writes what is specific to this instance: listeners, paths, plugin.
        self.policy_dir = policy_dir
        self.tls = tls
        self.binary = require_binary("mosquitto", "mosquitto")
        self.config_path = self.state_dir / "mosquitto.conf"
        self.dynsec_path = self.state_dir / "dynamic-security.json"
        self.process = ManagedProcess(
            "mosquitto",
            [self.binary, "-c", str(self.config_path)],
            self.state_dir / "mosquitto.log",
            ready=lambda: port_is_open(self.port),
            ports=[self.port, *([tls.port] if tls else [])],
        )

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def write_config(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        # Started as root, mosquitto switches to user `mosquitto`, which cannot write this state dir
        # (persistence and the dynsec file would silently not be saved): run as whoever starts it.
        lines = [f"user {pwd.getpwuid(os.geteuid()).pw_name}", f"listener {self.port} 127.0.0.1"]
        if self.tls:
            lines += [
                f"listener {self.tls.port} 127.0.0.1",
                f"certfile {self.tls.certfile}",
                f"keyfile {self.tls.keyfile}",
            ]
            if self.tls.cafile:
                lines.append(f"cafile {self.tls.cafile}")
        lines.append("log_dest stdout")
        if self.policy_dir is None:
            lines += self._default_policy()
        if self.persistence:
            lines += ["persistence true", f"persistence_location {self.state_dir}/", "autosave_interval 1"]
        if self.admin:
            if not self.dynsec_path.exists():
                self._init_dynsec()
            lines += [f"plugin {dynsec_plugin_path()}", f"plugin_opt_config_file {self.dynsec_path}"]
        if self.extra_config:
            lines.append(self.extra_config)
        if self.policy_dir is not None:
            lines.append(f"include_dir {self.policy_dir}")
        self.config_path.write_text("\n".join(lines) + "\n")

    def _default_policy(self) -> list[str]:
        return [
            "per_listener_settings false",
            f"allow_anonymous {'false' if self.admin else 'true'}",
            f"max_queued_messages {self.max_queued_messages}",
            "max_inflight_messages 100",
            "set_tcp_nodelay true",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
            "log_timestamp_format %Y-%m-%dT%H:%M:%S",
        ]

    def _init_dynsec(self) -> None:
        assert self.admin is not None
        ctrl = require_binary("mosquitto_ctrl", "mosquitto-clients")
        # The password goes in on stdin (mosquitto_ctrl asks twice), never in argv where `ps` shows it.
        result = subprocess.run(
            [ctrl, "dynsec", "init", str(self.dynsec_path), self.admin.username],
            input=f"{self.admin.password}\n{self.admin.password}\n",
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise ServiceError(f"mosquitto_ctrl dynsec init failed: {result.stderr or result.stdout}")
