"""Remote agent configuration on the gateway, checked by the agent's own model (edge_agent.settings:
RemoteConfig, check_document, effective; the registry checks with the same functions before it publishes).

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
from pathlib import Path
from typing import Any

from edge_agent.remote import STORE_NAME
from edge_agent.settings import RemoteConfigError, effective


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
    remote["applied_version"], remote["applied_document"] = version, stored["config"]
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
