"""`i5g dashboards build|check` and the provisioning files in deploy/grafana/."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from dashboards.push import datasource_definition
from i5g.cli import main
from i5g.grafana import DATASOURCE_NAME, DATASOURCE_TYPE, DATASOURCE_UID, FOLDER_UID
from tests.conftest import InfluxHandle
from tests.dashboards import contract_data

PROVISIONING = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "provisioning"


def test_build_then_check(tmp_path: Path, shared_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dashboards", "build", "--out", str(tmp_path)]) == 0
    assert len(list(tmp_path.glob("*.json"))) >= 12
    schema = shared_dir / "grafana" / "dashboard.jsonschema.json"
    assert main(["dashboards", "check", "--dir", str(tmp_path), "--schema", str(schema)]) == 0
    assert "dashboards OK" in capsys.readouterr().out
    fleet = tmp_path / "fleet.json"
    board = json.loads(fleet.read_text(encoding="utf-8"))
    board["panels"][1]["type"] = ""  # schema: minLength 1; and no longer what the code generates
    fleet.write_text(json.dumps(board), encoding="utf-8")
    assert main(["dashboards", "check", "--dir", str(tmp_path), "--schema", str(schema)]) == 2
    captured = capsys.readouterr()
    assert "fleet.json differs" in captured.out and "fleet.json: panels/1:" in captured.out
    assert "problem(s)" in captured.err


def test_check_against_a_live_influxdb(influxdb: InfluxHandle, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["dashboards", "check", "--influx-url", influxdb.url, "--influx-database", influxdb.database]
    assert main([*args, "--range", "15m"]) == 2  # empty database: every query reports "no data"
    assert "no data" in capsys.readouterr().out
    contract_data.write(influxdb.url, influxdb.database, contract_data.lines(int(time.time() * 1000)))
    assert main([*args, "--range", "15m"]) == 0
    assert main([*args, "--range", "fortnight"]) == 2
    assert "--range" in capsys.readouterr().err


def _datasource(name: str) -> dict:
    document = yaml.safe_load((PROVISIONING / "datasources" / name).read_text(encoding="utf-8"))
    (datasource,) = document["datasources"]
    return datasource


@pytest.mark.parametrize("name", ["influxdb-v1.yaml", "influxdb-v2.yaml"])
def test_datasource_files_match_what_push_creates(name: str) -> None:
    datasource = _datasource(name)
    pushed = datasource_definition("${I5G_INFLUX_URL}", "${I5G_INFLUX_DATABASE}", token="${I5G_INFLUX_TOKEN}")
    assert (datasource["uid"], datasource["type"], datasource["name"]) == (
        DATASOURCE_UID,
        DATASOURCE_TYPE,
        DATASOURCE_NAME,
    )
    assert datasource["url"] == pushed["url"] and datasource["database"] == pushed["database"]
    for key in ("version", "dbName", "httpMode", "timeInterval"):
        assert datasource["jsonData"][key] == pushed["jsonData"][key]
    if name == "influxdb-v2.yaml":
        assert datasource["jsonData"]["httpHeaderName1"] == "Authorization"
        assert datasource["secureJsonData"] == pushed["secureJsonData"]
    else:  # InfluxDB 1.x with auth: a read-only user (basic auth)
        basic = datasource_definition(
            "${I5G_INFLUX_URL}",
            "${I5G_INFLUX_DATABASE}",
            user="${I5G_INFLUX_USERNAME}",
            password="${I5G_INFLUX_PASSWORD}",
        )
        assert datasource["user"] == basic["user"] and datasource["secureJsonData"] == basic["secureJsonData"]


def test_dashboards_provider_loads_the_generated_folder() -> None:
    document = yaml.safe_load((PROVISIONING / "dashboards" / "i5g.yaml").read_text(encoding="utf-8"))
    (provider,) = document["providers"]
    assert provider["type"] == "file" and provider["folderUid"] == FOLDER_UID
    assert provider["options"]["path"]
