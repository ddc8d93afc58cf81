"""`i5g dashboards push`: put the datasource and every dashboard into a Grafana folder, idempotently.

Objects are addressed by their fixed uids (i5g.grafana), so running it again updates in place; an object
that already matches is left alone (and reported "unchanged"). The one exception is a datasource with a token:
Grafana never returns secrets, so it is always rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import niquests
from grafana_client import GrafanaApi
from grafana_client.client import GrafanaClientError, GrafanaException, GrafanaUnauthorizedError

from dashboards.build import GENERATED_DIR, load_committed
from i5g.grafana import DATASOURCE_NAME, DATASOURCE_TYPE, DATASOURCE_UID, FOLDER_UID

PUSH_MESSAGE = "i5g dashboards push"
# Keys Grafana adds to a saved dashboard that are not part of what we generate.
_VOLATILE_KEYS = ("id", "version")


class PushError(Exception):
    """Grafana refused or could not be reached; the message says which and what to check."""


@dataclass
class PushReport:
    datasource: str = ""
    folder: str = ""
    dashboards: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"datasource {DATASOURCE_UID}: {self.datasource}", f"folder {FOLDER_UID}: {self.folder}"]
        return out + [f"dashboard {uid}: {status}" for uid, status in self.dashboards.items()]


def datasource_definition(
    influx_url: str, database: str, token: str | None = None, user: str | None = None, password: str | None = None
) -> dict[str, Any]:
    """The InfluxQL datasource, the same as deploy/grafana/provisioning/datasources/*.yaml describe."""
    json_data: dict[str, Any] = {"version": "InfluxQL", "dbName": database, "httpMode": "POST", "timeInterval": "1s"}
    definition: dict[str, Any] = {
        "uid": DATASOURCE_UID,
        "name": DATASOURCE_NAME,
        "type": DATASOURCE_TYPE,
        "access": "proxy",
        "url": influx_url,
        "database": database,
        "isDefault": False,
        "jsonData": json_data,
    }
    if token:
        json_data["httpHeaderName1"] = "Authorization"
        definition["secureJsonData"] = {"httpHeaderValue1": f"Token {token}"}
    elif user:
        definition["user"] = user
        definition["secureJsonData"] = {"password": password or ""}
    return definition


def _matches(existing: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether every key we set has our value in Grafana's copy (Grafana adds keys of its own)."""
    for key, value in wanted.items():
        if isinstance(value, dict):
            if not isinstance(existing.get(key), dict) or not _matches(existing[key], value):
                return False
        elif existing.get(key) != value:
            return False
    return True


def _get_or_none(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except GrafanaClientError as exc:
        if exc.status_code == 404:
            return None
        raise


class Pusher:
    def __init__(self, api: GrafanaApi, url: str) -> None:
        self.api = api
        self.url = url

    def datasource(self, definition: dict[str, Any]) -> str:
        existing = _get_or_none(self.api.datasource.get_datasource_by_uid, DATASOURCE_UID)
        if existing is None:
            self.api.datasource.create_datasource(definition)
            return "created"
        public = {key: value for key, value in definition.items() if key != "secureJsonData"}
        # A provisioned datasource is owned by its file; one we created keeps a token we cannot read back.
        if _matches(existing, public) and ("secureJsonData" not in definition or existing.get("readOnly")):
            return "unchanged"
        if existing.get("readOnly"):
            raise PushError(
                f"datasource {DATASOURCE_UID} in Grafana at {self.url} is provisioned from a file and differs from "
                "what push would set: change the provisioning file (deploy/grafana/) instead"
            )
        self.api.datasource.update_datasource_by_uid(DATASOURCE_UID, definition)
        return "updated"

    def folder(self, title: str) -> str:
        existing = _get_or_none(self.api.folder.get_folder, FOLDER_UID)
        if existing is None:
            self.api.folder.create_folder(title, uid=FOLDER_UID)
            return "created"
        if existing.get("title") == title:
            return "unchanged"
        self.api.folder.update_folder(FOLDER_UID, title=title, overwrite=True)
        return "renamed"

    def dashboard(self, board: dict[str, Any]) -> str:
        existing = _get_or_none(self.api.dashboard.get_dashboard, board["uid"])
        if existing is not None:
            saved = {k: v for k, v in existing.get("dashboard", {}).items() if k not in _VOLATILE_KEYS}
            in_folder = existing.get("meta", {}).get("folderUid") == FOLDER_UID
            if in_folder and saved == board:
                return "unchanged"
        payload = {
            "dashboard": {**board, "id": None},
            "folderUid": FOLDER_UID,
            "overwrite": True,
            "message": PUSH_MESSAGE,
        }
        self.api.dashboard.update_dashboard(payload)
        return "created" if existing is None else "updated"


def push(
    url: str,
    token: str | None,
    folder: str,
    datasource: dict[str, Any],
    source_dir: Path = GENERATED_DIR,
    timeout_s: float = 10.0,
) -> PushReport:
    boards = [board for _, board in load_committed(source_dir)]
    if not boards:
        raise PushError(f"no dashboard JSON in {source_dir}: run `i5g dashboards build` first")
    api = GrafanaApi.from_url(url, credential=token or None, timeout=timeout_s)
    pusher = Pusher(api, url)
    report = PushReport()
    try:
        report.datasource = pusher.datasource(datasource)
        report.folder = pusher.folder(folder)
        for board in boards:
            report.dashboards[board["uid"]] = pusher.dashboard(board)
    except GrafanaUnauthorizedError:
        raise PushError(f"Grafana at {url} rejected the credentials (401): check the token") from None
    except GrafanaClientError as exc:
        if exc.status_code == 403:
            raise PushError(
                f"Grafana at {url} refused (403): the token's service account needs Editor rights on folders, "
                "dashboards and datasources"
            ) from None
        raise PushError(f"Grafana at {url} answered {exc.status_code}: {exc.message}") from None
    except GrafanaException as exc:  # timeouts, 5xx, transport errors grafana-client wraps
        raise PushError(f"Grafana at {url} failed: {exc.message}") from None
    except niquests.exceptions.RequestException as exc:  # connection refused, DNS, TLS
        raise PushError(f"cannot reach Grafana at {url}: {exc}") from None
    return report
