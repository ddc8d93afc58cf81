"""The lean runtime's side of remote configuration (standard library only: nothing here imports pydantic).

The registry publishes the gateway's desired configuration retained on `contract.config_topic`; the link
subscribes to it on every connect, so an agent that was offline, restarted, or whose broker restarted gets
the latest version when it connects. A new version is checked here for what needs no model (size, JSON,
envelope, version), then by the agent's own model in a short-lived `python -m edge_agent.remote_config`
(pydantic stays out of this process: RSS), on a connector thread so sampling never waits. A good one is
applied in place (interval, log level, sources) and kept as the last good configuration on disk (atomic
write, 0600); a bad one is refused and the agent keeps running on what it has. Either way the status topic
says so: `applied_version`, or `config_rejected` {version, reason}.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from i5g import contract
from i5g.files import write_private

if TYPE_CHECKING:
    from edge_agent.reactor import Reactor

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 60.0  # the model check in a child process (pydantic import on a Pi: ~1 s)
STORE_NAME = "remote-config.json"  # in the agent's state_dir: the last good remote configuration


def parse_envelope(gateway_id: str, payload: bytes) -> tuple[int, dict[str, Any]]:
    """(version, config document) of a config message; ValueError says why it is unreadable."""
    if len(payload) > contract.MAX_CONFIG_BYTES:
        raise ValueError(f"message of {len(payload)} bytes exceeds the limit of {contract.MAX_CONFIG_BYTES}")
    try:
        body = json.loads(payload.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError; RecursionError: nested too deep
        raise ValueError("not a UTF-8 JSON document (or nested too deeply)") from None
    if not isinstance(body, dict) or body.get("v") != contract.CONTRACT_VERSION or body.get("gw") != gateway_id:
        raise ValueError(f"not a v{contract.CONTRACT_VERSION} configuration for gateway {gateway_id}")
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError("version must be a positive integer")
    config = body.get("config")
    if not isinstance(config, dict):
        raise ValueError("config must be a JSON object")
    return version, config


def version_of(payload: bytes) -> int | None:
    """The version a message claims, for the rejection report (None when it has none)."""
    try:
        version = json.loads(payload[: contract.MAX_CONFIG_BYTES].decode("utf-8")).get("version")
    except (ValueError, RecursionError, AttributeError):
        return None
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def run_check(request: dict[str, Any]) -> dict[str, Any]:
    """The agent's model, in a child process: {"ok": true, "config": ...} or {"ok": false, "reason": ...}."""
    import subprocess  # only when a new version arrives

    done = subprocess.run(
        [sys.executable, "-m", "edge_agent.remote_config"],
        input=json.dumps(request).encode(),
        capture_output=True,
        timeout=CHECK_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"the configuration check failed: {tail[0]}")
    return json.loads(done.stdout)


class RemoteConfigurator:
    """Receives config messages (reactor thread), checks them, applies or rejects them."""

    def __init__(
        self,
        resolved: dict[str, Any],
        reactor: Reactor,
        apply: Callable[[dict[str, Any]], None],
        report: Callable[[], None],
    ) -> None:
        remote = resolved["remote"]
        self.gateway_id: str = resolved["gateway_id"]
        self.enabled = bool(remote["enabled"])
        self.local: dict[str, Any] = remote.get("local") or {}
        self.pinned: list[str] = list(remote["pinned"])
        self.probe_default = f"{resolved['mqtt']['host']}:{resolved['mqtt']['port']}"
        self.store = Path(resolved["state_dir"]) / STORE_NAME
        self.reactor = reactor
        self._apply = apply
        self._report = report
        self.applied_version: int | None = remote.get("applied_version")
        self.rejected: dict[str, Any] | None = None  # reported: {"version", "reason"}
        # (version, document) of what runs, of the last refusal, of what a connector thread is checking now and
        # of the newest message that arrived meanwhile. Both are compared, so a registry restored from a backup
        # that reuses a version number with other content is still applied.
        self._applied: tuple[int, Any] | None = None
        if self.applied_version is not None:
            self._applied = (self.applied_version, remote.get("applied_document"))
        self._refused: tuple[int, Any] | None = None
        self._checking: tuple[int, Any] | None = None
        self._next: tuple[int, dict[str, Any]] | None = None

    def on_message(self, payload: bytes) -> None:
        """Reactor thread (paho's on_message): never raises, whatever arrives."""
        try:
            self._on_message(payload)
        except Exception as exc:  # a bug here must not stop the agent: report it and keep the applied config
            log.exception("remote configuration message could not be handled")
            self._reject(None, f"could not be handled: {type(exc).__name__}: {exc}")

    def _on_message(self, payload: bytes) -> None:
        if not payload:
            return  # the registry cleared the topic: keep running on what is applied
        try:
            version, document = parse_envelope(self.gateway_id, payload)
        except ValueError as exc:
            self._reject(version_of(payload), str(exc))
            return
        if (version, document) in (self._applied, self._refused, self._checking):
            return  # the retained message again after a reconnect, or one already decided
        if self._checking is not None:
            self._next = (version, document)
            return
        self._start(version, document)

    def _start(self, version: int, document: dict[str, Any]) -> None:
        self._checking = (version, document)
        request = {"document": document, "local": self.local, "pinned": self.pinned}
        request["probe_default"] = self.probe_default

        def job() -> None:
            try:
                answer = run_check(request)
            except Exception as exc:  # the child failed: report it, keep the applied configuration
                error = f"{type(exc).__name__}: {exc}"
                self.reactor.post(lambda: self._decided(version, document, {"ok": False, "reason": error}))
                return
            self.reactor.post(lambda: self._decided(version, document, answer))

        self.reactor.run_in_connector(job)

    def _decided(self, version: int, document: dict[str, Any], answer: dict[str, Any]) -> None:
        self._checking = None
        if answer.get("ok"):
            try:
                self._apply(answer["config"])
                write_private(self.store, {"version": version, "config": document})
            except Exception as exc:
                log.exception("remote configuration %d could not be applied", version)
                self._reject(version, f"could not be applied: {type(exc).__name__}: {exc}")
            else:
                self.applied_version, self.rejected, self._applied = version, None, (version, document)
                log.info("remote configuration version %d applied", version)
                self._report()
        else:
            self._reject(version, str(answer.get("reason", "rejected")))
            self._refused = (version, document)
        if self._next is not None:
            (next_version, next_document), self._next = self._next, None
            if (next_version, next_document) not in (self._applied, self._refused):
                self._start(next_version, next_document)

    def _reject(self, version: int | None, reason: str) -> None:
        reason = reason[: contract.MAX_CONFIG_REASON_CHARS]
        log.warning("remote configuration %s rejected, keeping version %s: %s", version, self.applied_version, reason)
        self.rejected = {"version": version, "reason": reason}
        self._report()
