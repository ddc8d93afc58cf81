"""A tiny JSON-over-HTTP helper for talking to the registry (stdlib only: the stack needs nothing more)."""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from typing import Any


class HttpError(RuntimeError):
    def __init__(self, status: int, body: str, url: str) -> None:
        self.status = status
        self.body = body
        super().__init__(f"{url}: HTTP {status}: {body[:300]}")


def request_json(method: str, url: str, *, token: str | None = None, body: Any = None, timeout: float = 10.0) -> Any:
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            payload = response.read()
    except urllib.error.HTTPError as exc:
        raise HttpError(exc.code, exc.read().decode(errors="replace"), url) from None
    return json.loads(payload) if payload else None


def http_ok(url: str, timeout: float = 1.0) -> bool:
    with contextlib.suppress(OSError, ValueError), urllib.request.urlopen(url, timeout=timeout) as response:
        return 200 <= response.status < 300
    return False
