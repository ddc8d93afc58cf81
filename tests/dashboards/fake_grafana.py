"""A FAKE Grafana HTTP API on pytest-httpserver: no Grafana can run here, so `i5g dashboards push` is tested
against this stand-in. It implements only the endpoints push uses, with Grafana's paths, status codes and
response shapes (401 for a wrong token, 404 for unknown uids, 403 for a viewer token), and keeps state so
idempotency can be observed."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


@dataclass
class FakeGrafana:
    server: HTTPServer
    token: str
    read_only_token: str = "viewer-token"
    datasources: dict[str, dict[str, Any]] = field(default_factory=dict)
    folders: dict[str, dict[str, Any]] = field(default_factory=dict)
    dashboards: dict[str, dict[str, Any]] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)

    def install(self) -> FakeGrafana:
        self.server.expect_request(re.compile(r"^/api/.*")).respond_with_handler(self.handle)
        return self

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def handle(self, request: Request) -> Response:
        auth = request.headers.get("Authorization", "")
        if auth not in (f"Bearer {self.token}", f"Bearer {self.read_only_token}"):
            return _json({"message": "Invalid API key"}, 401)
        if request.method != "GET" and auth == f"Bearer {self.read_only_token}":
            return _json({"message": "You'll need additional permissions to perform this action."}, 403)
        if request.method != "GET":
            self.writes.append(f"{request.method} {request.path}")
        body = request.get_json(silent=True)
        routes = [
            ("GET", r"/api/datasources/uid/([^/]+)", self._get_datasource),
            ("POST", r"/api/datasources", self._create_datasource),
            ("PUT", r"/api/datasources/uid/([^/]+)", self._update_datasource),
            ("GET", r"/api/folders/([^/]+)", self._get_folder),
            ("POST", r"/api/folders", self._create_folder),
            ("PUT", r"/api/folders/([^/]+)", self._update_folder),
            ("GET", r"/api/dashboards/uid/([^/]+)", self._get_dashboard),
            ("POST", r"/api/dashboards/db", self._save_dashboard),
        ]
        for method, pattern, handler in routes:
            match = re.fullmatch(pattern, request.path)
            if match and request.method == method:
                return handler(body, *match.groups())
        return _json({"message": "Not found"}, 404)

    def _get_datasource(self, _body: Any, uid: str) -> Response:
        if uid not in self.datasources:
            return _json({"message": "Data source not found"}, 404)
        return _json(self.datasources[uid])

    def _create_datasource(self, body: dict[str, Any]) -> Response:
        if body["uid"] in self.datasources:
            return _json({"message": "data source with the same uid already exists"}, 409)
        stored = {k: v for k, v in body.items() if k != "secureJsonData"}
        stored.update(
            id=len(self.datasources) + 1,
            orgId=1,
            readOnly=False,
            version=1,
            secureJsonFields={k: True for k in body.get("secureJsonData", {})},
        )
        self.datasources[body["uid"]] = stored
        return _json({"datasource": stored, "id": stored["id"], "message": "Datasource added", "name": body["name"]})

    def _update_datasource(self, body: dict[str, Any], uid: str) -> Response:
        if uid not in self.datasources:
            return _json({"message": "Data source not found"}, 404)
        stored = self.datasources[uid]
        stored.update({k: v for k, v in body.items() if k != "secureJsonData"})
        stored["secureJsonFields"] = {k: True for k in body.get("secureJsonData", {})}
        stored["version"] += 1
        return _json({"datasource": stored, "id": stored["id"], "message": "Datasource updated"})

    def _get_folder(self, _body: Any, uid: str) -> Response:
        if uid not in self.folders:
            return _json({"message": "folder not found"}, 404)
        return _json(self.folders[uid])

    def _create_folder(self, body: dict[str, Any]) -> Response:
        folder = {"uid": body["uid"], "title": body["title"], "id": len(self.folders) + 1, "version": 1}
        self.folders[body["uid"]] = folder
        return _json(folder)

    def _update_folder(self, body: dict[str, Any], uid: str) -> Response:
        self.folders[uid]["title"] = body["title"]
        return _json(self.folders[uid])

    def _get_dashboard(self, _body: Any, uid: str) -> Response:
        if uid not in self.dashboards:
            return _json({"message": "Dashboard not found"}, 404)
        return _json(copy.deepcopy(self.dashboards[uid]))

    def _save_dashboard(self, body: dict[str, Any]) -> Response:
        if body.get("folderUid") not in self.folders:
            return _json({"message": "folder not found"}, 400)
        board = copy.deepcopy(body["dashboard"])
        previous = self.dashboards.get(board["uid"])
        board["id"] = previous["dashboard"]["id"] if previous else len(self.dashboards) + 1
        board["version"] = previous["dashboard"]["version"] + 1 if previous else 1
        self.dashboards[board["uid"]] = {"dashboard": board, "meta": {"folderUid": body["folderUid"]}}
        return _json({"id": board["id"], "uid": board["uid"], "status": "success", "version": board["version"]})
