"""Facts the birth message reports, computed from the resolved config (standard library only)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def enabled_sources(resolved: dict[str, Any]) -> list[str]:
    return [name for name, section in resolved["sources"].items() if section["enabled"]]


def config_hash(resolved: dict[str, Any]) -> str:
    """Short hash of the effective config without secrets: tells which config a gateway runs."""
    public = {key: value for key, value in resolved.items() if key != "config_hash"}
    public["mqtt"] = {key: value for key, value in resolved["mqtt"].items() if key != "password"}
    if "opcua" in resolved.get("sources", {}):
        opcua = {key: value for key, value in resolved["sources"]["opcua"].items() if key != "password"}
        public["sources"] = {**resolved["sources"], "opcua": opcua}
    return hashlib.sha256(json.dumps(public, sort_keys=True).encode()).hexdigest()[:12]
