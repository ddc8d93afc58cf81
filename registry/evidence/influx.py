"""InfluxQL over HTTP /query and line protocol over /write, the portable subset of InfluxDB 1.x, 2.x (DBRP
mapping / v1 compatibility API) and 3.x (v1 query API). httpx, short timeouts, every failure one error type.

Identifiers and tag values that reach a statement are quoted here (`ident`, `literal`), never by callers.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx

from registry.evidence.errors import TelemetryUnavailable
from registry.evidence.settings import EvidenceSettings


def ident(name: str) -> str:
    """A double-quoted InfluxQL identifier."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal(value: str) -> str:
    """A single-quoted InfluxQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def any_of(tag: str, values: Sequence[str]) -> str:
    """`(tag = 'a' OR tag = 'b')`; a condition that matches nothing for no values."""
    if not values:
        return "false"
    return "(" + " OR ".join(f"{ident(tag)} = {literal(v)}" for v in values) + ")"


@cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default verifying context, built once: loading the CA bundle costs ~40 ms, per request otherwise."""
    return httpx.create_ssl_context()


@dataclass(frozen=True)
class Series:
    name: str
    tags: dict[str, str]
    columns: list[str]
    values: list[list[Any]]

    def rows(self) -> Iterator[dict[str, Any]]:
        for row in self.values:
            yield dict(zip(self.columns, row, strict=False))


class InfluxClient:
    """One database; `query` returns the series of every statement, `write` stores line protocol."""

    def __init__(self, settings: EvidenceSettings, *, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.database = settings.database
        headers = {"Accept": "application/json"}
        auth: tuple[str, str] | None = None
        if settings.token is not None:
            headers["Authorization"] = f"Token {settings.token.get_secret_value()}"
        elif settings.username:
            auth = (settings.username, settings.password.get_secret_value() if settings.password else "")
        timeout = httpx.Timeout(settings.timeout_s, connect=settings.connect_timeout_s)
        self._http = httpx.Client(
            base_url=settings.influx_url.rstrip("/"),
            headers=headers,
            auth=auth,
            timeout=timeout,
            transport=transport,
            verify=_tls_context(),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> InfluxClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rp(self, policy: str, measurement: str) -> str:
        """A fully qualified measurement: "db"."rp"."measurement"."""
        return f"{ident(self.database)}.{ident(policy)}.{ident(measurement)}"

    def query(self, statement: str, *, write: bool = False) -> list[Series]:
        """Run InfluxQL (chunked, epoch ms). Raises TelemetryUnavailable for any failure, with InfluxDB's message."""
        params = {"q": statement, "db": self.database, "epoch": "ms", "chunked": "true", "chunk_size": "20000"}
        try:
            # DDL needs POST on 1.x
            response = self._http.post("/query", data=params) if write else self._http.get("/query", params=params)
        except httpx.HTTPError as exc:
            raise TelemetryUnavailable(
                f"telemetry unavailable: InfluxDB at {self.settings.influx_url} "
                f"cannot be reached ({type(exc).__name__})"
            ) from None
        if response.status_code != 200:
            raise TelemetryUnavailable(
                f"telemetry unavailable: InfluxDB answered HTTP {response.status_code}: {response.text[:200]}"
            )
        return _parse_chunks(response.text)

    def query_each(self, statements: Sequence[str]) -> list[Series]:
        """Several read statements as concurrent requests (InfluxDB runs them on several cores; one request with
        all of them runs them one after the other); the series in statement order."""
        if len(statements) <= 1:
            return self.query("; ".join(statements)) if statements else []
        with ThreadPoolExecutor(max_workers=min(4, len(statements))) as pool:
            answers = list(pool.map(self.query, statements))
        return [series for answer in answers for series in answer]

    def write(self, lines: Sequence[str], *, retention_policy: str | None = None) -> None:
        if not lines:
            return
        params = {"db": self.database, "precision": "ms"}
        if retention_policy:
            params["rp"] = retention_policy
        try:
            response = self._http.post("/write", params=params, content="\n".join(lines).encode("utf-8"))
        except httpx.HTTPError as exc:
            raise TelemetryUnavailable(f"telemetry unavailable: write failed ({type(exc).__name__})") from None
        if response.status_code not in (200, 204):
            raise TelemetryUnavailable(f"InfluxDB refused a write: HTTP {response.status_code}: {response.text[:200]}")


def _parse_chunks(body: str) -> list[Series]:
    """Chunked answers are one JSON document per line; a statement's series may span several chunks."""
    merged: dict[tuple[int, str, tuple[tuple[str, str], ...]], Series] = {}
    for line in body.splitlines():
        if not line.strip():
            continue
        document = json.loads(line)
        if "error" in document:
            raise TelemetryUnavailable(f"InfluxDB error: {document['error']}")
        for result in document.get("results", []):
            if "error" in result:
                if "database not found" in result["error"] or "retention policy not found" in result["error"]:
                    continue  # nothing written (or rolled) yet: no data, not an outage
                raise TelemetryUnavailable(f"InfluxQL error: {result['error']}")
            for raw in result.get("series", []):
                tags = raw.get("tags") or {}
                key = (result.get("statement_id", 0), raw.get("name", ""), tuple(sorted(tags.items())))
                existing = merged.get(key)
                if existing is None:
                    merged[key] = Series(raw.get("name", ""), tags, raw["columns"], list(raw.get("values") or []))
                else:
                    existing.values.extend(raw.get("values") or [])
    return list(merged.values())
