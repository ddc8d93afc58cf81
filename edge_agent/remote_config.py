"""Validating a remote agent configuration with the agent's own model (edge_agent.settings.RemoteConfig).

Three callers, one function each, all on the same model:
- the registry, before it stores and publishes a gateway's desired configuration: `check_document`;
- `i5g agent run`, which merges the last good remote configuration kept on disk into the local one before it
  execs the lean runtime: `merge_stored`;
- the lean runtime, which must not import pydantic (RSS), runs `python -m edge_agent.remote_config` for each
  new version that arrives on its config topic (rare): `main` reads {document, local, pinned, probe_default}
  on stdin and answers {"ok": true, "config": {...}} or {"ok": false, "reason": "..."} on stdout.

A remote document is partial: it names only the keys it sets, and they are laid over the gateway's local
configuration (dicts merge key by key, lists and values replace). It can never reach the broker connection,
the identity, the credentials or the storage: those keys are not in RemoteConfig, and a document naming
one is rejected with a reason that says so.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from edge_agent.remote import STORE_NAME
from edge_agent.settings import LOCAL_ONLY_KEYS, AgentSettings, RemoteConfig
from i5g import contract

REMOTE_KEYS = tuple(RemoteConfig.model_fields)


class RemoteConfigError(ValueError):
    """Why a remote configuration is refused (reported on the status topic and shown by the registry)."""


def _reason(text: str) -> RemoteConfigError:
    return RemoteConfigError(text[: contract.MAX_CONFIG_REASON_CHARS])


def _dotted(document: dict[str, Any], prefix: str = "") -> Iterable[str]:
    for key, value in document.items():
        path = f"{prefix}{key}"
        yield path
        if isinstance(value, dict):
            yield from _dotted(value, f"{path}.")


def _lookup(document: dict[str, Any], dotted: str) -> tuple[bool, Any]:
    node: Any = document
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _errors(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(item) for item in error["loc"]) or "config"
        message = "unknown key (not settable here)" if error["type"] == "extra_forbidden" else error["msg"]
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def check_document(document: object) -> dict[str, Any]:
    """The document as the registry stores it (only the keys it sets, normalised), or RemoteConfigError."""
    if not isinstance(document, dict):
        raise _reason("the configuration must be a JSON object")
    for key in document:
        if key in AgentSettings.model_fields and key not in REMOTE_KEYS:
            raise _reason(
                f"{key}: may only be set in the gateway's own configuration file; remote configuration cannot "
                "change the broker connection, the identity, the credentials or the storage"
            )
    for dotted in _dotted(document):
        if dotted in LOCAL_ONLY_KEYS:
            raise _reason(f"{dotted}: names a program or device on the gateway; only its own file may set it")
    try:
        model = RemoteConfig.model_validate(document)
    except ValidationError as exc:
        raise _reason(_errors(exc)) from None
    return model.model_dump(mode="json", exclude_unset=True)


def effective(
    document: object, local: dict[str, Any], pinned: Iterable[str] = (), probe_default: str | None = None
) -> dict[str, Any]:
    """The remotely settable part of the agent's config once `document` is laid over `local` (the same keys,
    as resolved from the gateway's file): {"interval_s", "log_level", "sources"}; RemoteConfigError if the
    document is invalid, changes a key the gateway pinned, or leaves no source enabled."""
    checked = check_document(document)
    merged = _merge({key: local[key] for key in REMOTE_KEYS}, checked)
    try:
        result = RemoteConfig.model_validate(merged).model_dump(mode="json")
    except ValidationError as exc:
        raise _reason(_errors(exc)) from None
    for key in pinned:
        if _lookup(result, key)[1] != _lookup(local, key)[1]:
            raise _reason(f"{key}: pinned by the gateway's own configuration file ([agent.remote] pinned)")
    sources = result["sources"]
    if not any(section["enabled"] for section in sources.values()):
        raise _reason("sources: no source would be enabled, so the agent would publish nothing")
    if not sources["probe"]["targets"] and probe_default:
        sources["probe"]["targets"] = [probe_default]
    return result


def probe_default(resolved: dict[str, Any]) -> str:
    return f"{resolved['mqtt']['host']}:{resolved['mqtt']['port']}"


def merge_stored(resolved: dict[str, Any]) -> dict[str, Any]:
    """`i5g agent run`: the resolved local config (AgentSettings.resolved(), whose remote.local keeps the local
    values) with the last good remote configuration laid over it, and remote.applied_version set."""
    from edge_agent.status import config_hash

    remote = resolved["remote"]
    path = Path(resolved["state_dir"]) / STORE_NAME
    if not remote["enabled"] or not path.is_file():
        return resolved
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        config = effective(stored["config"], remote["local"], remote["pinned"], probe_default(resolved))
        version = stored["version"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # E.g. a key pinned since: run on the local file; the retained message is checked again on connect.
        print(f"i5g agent: ignoring the stored remote configuration {path}: {exc}", file=sys.stderr)
        return resolved
    resolved.update(config)
    remote["applied_version"] = version
    resolved["config_hash"] = config_hash(resolved)
    return resolved


def main() -> int:
    """`python -m edge_agent.remote_config`: one check for the lean runtime (stdin -> stdout, JSON)."""
    request = json.loads(sys.stdin.buffer.read())
    try:
        config = effective(request["document"], request["local"], request["pinned"], request["probe_default"])
    except RemoteConfigError as exc:
        answer: dict[str, Any] = {"ok": False, "reason": str(exc)}
    else:
        answer = {"ok": True, "config": config}
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
