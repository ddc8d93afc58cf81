"""A small path-translating proxy that lets InfluxDB 1.6/1.7 accept the /api/v2/write calls the collector makes.

InfluxDB 1.8+, 2.x and 3.x accept /api/v2/write natively; Debian's 1.6.7 does not. The proxy rewrites
`POST /api/v2/write?bucket=db[/rp]&precision=ns|us|ms|s` to `POST /write?db=db[&rp=rp]&precision=n|u|ms|s`,
passes the body and Content-Encoding (gzip) through untouched, answers `GET /health` the way 2.x does, and
forwards every other path (/query, /ping) as it is. It adds nothing to the data.

Credentials pass through: influxdb-client's `Authorization: Token <user>:<password>` (the form 1.8+ accepts
for 1.x users) becomes HTTP basic auth, which 1.6 understands; basic auth is forwarded as it is. The proxy
holds no credentials of its own, so with auth enabled on InfluxDB an unauthenticated write through it is
refused (401) exactly as a direct one.
"""

from __future__ import annotations

import base64
import http.client
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_PRECISION = {"ns": "n", "us": "u", "ms": "ms", "s": "s"}
_PASS_HEADERS = ("Content-Type", "Content-Encoding", "Accept", "Accept-Encoding")


def upstream_authorization(header: str | None) -> str | None:
    """The Authorization header to send to InfluxDB 1.x for the one the client sent (None: send none)."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "basic":
        return header.strip()
    if scheme.lower() == "token" and ":" in value:
        return "Basic " + base64.b64encode(value.strip().encode()).decode()
    return None


def translate_write_path(path: str) -> str:
    """`/api/v2/write?...` -> `/write?...`; ValueError for a write without a bucket."""
    url = urllib.parse.urlsplit(path)
    params = urllib.parse.parse_qs(url.query)
    bucket = (params.get("bucket") or [""])[0]
    if not bucket:
        raise ValueError("bucket is required")
    db, _, rp = bucket.partition("/")
    query = {"db": db, "precision": _PRECISION.get((params.get("precision") or ["ns"])[0], "n")}
    if rp:
        query["rp"] = rp
    return "/write?" + urllib.parse.urlencode(query)


class _Handler(BaseHTTPRequestHandler):
    server: InfluxV2Proxy  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _forward(self, method: str, path: str, body: bytes | None) -> None:
        headers = {name: self.headers[name] for name in _PASS_HEADERS if self.headers.get(name)}
        authorization = upstream_authorization(self.headers.get("Authorization"))
        if authorization:
            headers["Authorization"] = authorization
        conn = http.client.HTTPConnection(self.server.upstream_host, self.server.upstream_port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        except OSError as exc:
            self._reply(503, json.dumps({"code": "unavailable", "message": f"upstream: {exc}"}).encode())
            return
        finally:
            conn.close()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_POST(self) -> None:
        body = self._body()
        if self.path.startswith("/api/v2/write"):
            try:
                path = translate_write_path(self.path)
            except ValueError as exc:
                self._reply(400, json.dumps({"code": "invalid", "message": str(exc)}).encode())
                return
            self._forward("POST", path, body)
        else:
            self._forward("POST", self.path, body)

    def do_GET(self) -> None:
        if self.path.startswith("/health"):
            conn = http.client.HTTPConnection(self.server.upstream_host, self.server.upstream_port, timeout=5)
            try:
                conn.request("GET", "/ping")
                ok = conn.getresponse().status == 204
            except OSError:
                ok = False
            finally:
                conn.close()
            body = {"name": "influxdb", "status": "pass" if ok else "fail", "message": "via v2 proxy"}
            self._reply(200 if ok else 503, json.dumps(body).encode())
            return
        self._forward("GET", self.path, None)

    def do_HEAD(self) -> None:
        self._forward("HEAD", self.path, None)


class InfluxV2Proxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream_url: str, port: int | None = None, host: str = "127.0.0.1") -> None:
        upstream = urllib.parse.urlsplit(upstream_url)
        self.upstream_host = upstream.hostname or "127.0.0.1"
        self.upstream_port = upstream.port or 8086
        super().__init__((host, port or 0), _Handler)  # 0: any free port
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> InfluxV2Proxy:
        self._thread = threading.Thread(target=self.serve_forever, name="influx-v2-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def main() -> None:  # pragma: no cover - `python -m i5g.influx.v2proxy UPSTREAM PORT`
    proxy = InfluxV2Proxy(sys.argv[1], int(sys.argv[2]))
    print(f"proxy {proxy.url} -> {sys.argv[1]}", flush=True)
    proxy.serve_forever()


if __name__ == "__main__":  # pragma: no cover
    main()
