"""OPC UA source against a real asyncua server (tests/agent/opcua_server.py): mapping and scaling, a refused
node reported once while the others flow, polling, server restart, user name + password over Basic256Sha256
with self-signed certificates, start-up validation, lazy import, and the agent process end to end."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from devstack.mosquitto import MosquittoServer
from edge_agent.settings import AgentSettings, OpcUaSettings
from edge_agent.sources import MAX_PROBLEM_CHARS, MAX_PROBLEMS, GuardedSource, problems
from edge_agent.sources.base import Reading
from edge_agent.sources.opcua import OpcUaSource
from tests.agent.conftest import I5G, write_config
from tests.agent.opcua_server import AXES, COUNTER, INFER_US, NAMESPACE, POS_ERR, STATE, OpcUaTestServer
from tests.tls import self_signed

MISSING = "ns=2;s=Line1.NoSuchTag"
NODES = [
    {"node_id": POS_ERR, "kpi": "agv_pos_err_cm", "scale": 0.1, "unit": "cm"},  # mm -> cm
    {"node_id": INFER_US, "kpi": "vision_infer_ms", "scale": 0.001},  # µs -> ms
    {"node_id": COUNTER, "kpi": "sensor_pps"},
    {"node_id": STATE, "kpi": "temp_c"},  # a String: not a number
    {"node_id": MISSING, "kpi": "rtt_ms"},
    {"node_id": AXES, "kpi": "loss_pct"},  # an array
]
EXPECTED_PROBLEMS = {
    MISSING: "BadNodeIdUnknown",
    STATE: "value is str, not a number",
    AXES: "value is list, not a number",
}
USER, PASSWORD = "line1-reader", "s3cret-Pa55"


def section(endpoint: str, **extra: Any) -> dict[str, Any]:
    """The [agent.sources.opcua] table as the runtime gets it: validated and resolved by AgentSettings."""
    settings = {"enabled": True, "endpoint": endpoint, "interval_s": 0.1, "timeout_s": 2.0,
                "reconnect_min_s": 0.1, "reconnect_max_s": 0.5, "nodes": NODES, **extra}  # fmt: skip
    agent = AgentSettings(gateway_id="gw-opcua-01", sources={"opcua": settings})
    return agent.resolved()["sources"]["opcua"]


def wait_for(read: Callable[[], Reading], predicate: Callable[[Reading], bool], timeout: float = 10) -> Reading:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            reading = read()
            if predicate(reading):
                return reading
            last = reading
        except Exception as exc:
            last = exc
        time.sleep(0.05)
    raise AssertionError(f"timed out; last: {last!r}")


def has_values(reading: Reading) -> bool:
    return {"agv_pos_err_cm", "vision_infer_ms", "sensor_pps"} <= set(reading.kpis)


def wait_for_raises(read: Callable[[], Reading], timeout: float) -> Exception:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            read()
        except Exception as exc:
            if "connecting" not in str(exc):
                return exc
        time.sleep(0.05)
    raise AssertionError("read() never failed")


@pytest.fixture(scope="module")
def plc() -> Iterator[OpcUaTestServer]:
    server = OpcUaTestServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def secure_plc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OpcUaTestServer, Path]]:
    """Basic256Sha256 only, anonymous refused; returns the server and a directory with its certificate, a
    client certificate and the password file."""
    root = tmp_path_factory.mktemp("opcua-secure")
    server_cert, server_key = self_signed(root / "server")
    self_signed(root / "client")
    (root / "password").write_text(PASSWORD + "\n")
    args = ["--user", USER, "--password-file", str(root / "password"), "--cert", str(server_cert), "--key",
            str(server_key)]  # fmt: skip
    server = OpcUaTestServer(*args).start()
    yield server, root
    server.stop()


@pytest.fixture
def readers() -> Iterator[Callable[[dict[str, Any]], OpcUaSource]]:
    made: list[OpcUaSource] = []

    def make(config: dict[str, Any]) -> OpcUaSource:
        made.append(OpcUaSource(config))
        return made[-1]

    yield make
    for reader in made:
        reader.close()


@pytest.fixture
def source_log(caplog: pytest.LogCaptureFixture) -> Callable[[int], list[str]]:
    """The OPC UA source's log lines at or above a level."""
    caplog.set_level(logging.INFO, logger="edge_agent.sources.opcua")
    return lambda level: [r.getMessage() for r in caplog.records if r.levelno >= level]


def test_subscribed_nodes_are_mapped_and_scaled_and_a_refused_node_is_reported_once(
    plc: OpcUaTestServer, readers, source_log
) -> None:
    source = readers(section(plc.endpoint))
    first = wait_for(source.read, has_values)
    assert first.kpis["agv_pos_err_cm"] == 12.3 and first.kpis["vision_infer_ms"] == 2.5
    assert set(first.kpis) == {"agv_pos_err_cm", "vision_infer_ms", "sensor_pps"}  # none for the bad three
    # The counter keeps changing on the server: the subscription keeps delivering.
    wait_for(source.read, lambda r: r.kpis.get("sensor_pps", 0) >= first.kpis["sensor_pps"] + 3)
    assert source.problems == EXPECTED_PROBLEMS
    warnings = source_log(logging.WARNING)
    assert sum(MISSING in line and "BadNodeIdUnknown" in line for line in warnings) == 1, warnings
    assert sum(STATE in line for line in warnings) == 1, warnings


def test_polling_reads_every_node_on_each_read_and_namespace_uris_resolve(
    plc: OpcUaTestServer, readers, source_log
) -> None:
    by_uri = [
        {"node_id": f"nsu={NAMESPACE};s=Line1.AGV7.PosErrMm", "kpi": "agv_speed_mps", "scale": 0.01},
        {"node_id": "nsu=urn:other-plc;s=Line1.AGV7.PosErrMm", "kpi": "jitter_ms"},
    ]
    # This server takes any user name, with a user-token policy of None: the password crosses in clear text.
    source = readers(section(plc.endpoint, mode="poll", nodes=[*NODES, *by_uri], username="u", password="pw"))
    first = wait_for(source.read, has_values)
    assert any("does not encrypt the password" in line for line in source_log(logging.WARNING))
    time.sleep(0.3)
    second = source.read()  # one Read request now, not a cached value
    assert second.kpis["sensor_pps"] >= first.kpis["sensor_pps"] + 2
    assert second.kpis["agv_pos_err_cm"] == 12.3 and second.kpis["agv_speed_mps"] == 1.23
    assert source.problems == {
        **EXPECTED_PROBLEMS,
        by_uri[1]["node_id"]: "namespace 'urn:other-plc' is not on this server",
    }


def test_server_restart_the_source_reconnects_and_resumes(plc: OpcUaTestServer, readers, source_log) -> None:
    source = readers(section(plc.endpoint))
    before = wait_for(source.read, has_values)
    plc.stop()  # killed: no goodbye to its clients
    assert isinstance(wait_for_raises(source.read, 5), ConnectionError)
    plc.start()  # a new process: its counter starts again at 0
    after = wait_for(source.read, lambda r: has_values(r) and r.kpis["sensor_pps"] < before.kpis["sensor_pps"])
    assert after.kpis["agv_pos_err_cm"] == 12.3 and source.connects == 2
    lines = source_log(logging.INFO)
    assert any("lost the connection" in line for line in lines)
    assert sum(MISSING in line for line in lines) == 1  # still reported once over the reconnect


@pytest.mark.parametrize("mode", ["Sign", "SignAndEncrypt"])
def test_user_password_over_basic256sha256_with_pinned_server_certificate(
    secure_plc, readers, source_log, mode: str
) -> None:
    server, root = secure_plc
    secure = {"security_policy": "Basic256Sha256", "security_mode": mode,
              "certificate_file": str(root / "client" / "broker.pem"),
              "private_key_file": str(root / "client" / "broker.key"),  # PEM in a .key file
              "server_certificate_file": str(root / "server" / "broker.pem")}  # fmt: skip
    source = readers(section(server.endpoint, username=USER, password_file=str(root / "password"), **secure))
    assert wait_for(source.read, has_values).kpis["agv_pos_err_cm"] == 12.3
    # The server encrypts the user token to its (pinned) certificate even when the channel is only signed.
    assert not [line for line in source_log(logging.WARNING) if "does not encrypt the password" in line]
    if mode == "Sign":
        return
    # The same with a wrong password, without credentials, and pinning another certificate: refused.
    (root / "wrong").write_text("not-the-password")
    wrong = readers(section(server.endpoint, username=USER, password_file=str(root / "wrong"), **secure))
    assert "BadUserAccessDenied" in str(wait_for_raises(wrong.read, 10))
    anonymous = readers(section(server.endpoint, **secure))
    assert "BadIdentityTokenRejected" in str(wait_for_raises(anonymous.read, 10))
    # Pinning another certificate: the server cannot decrypt what is encrypted to it and never answers.
    impostor_cert, _ = self_signed(root / "impostor")
    pinned = {**secure, "server_certificate_file": str(impostor_cert), "timeout_s": 0.5}
    impostor = readers(section(server.endpoint, username=USER, password_file=str(root / "password"), **pinned))
    assert "is server_certificate_file this server's certificate?" in str(wait_for_raises(impostor.read, 10))
    # Without security the server offers no endpoint at all.
    plain = readers(section(server.endpoint, username=USER, password_file=str(root / "password")))
    assert "offers no endpoint with security_policy None" in str(wait_for_raises(plain.read, 10))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"nodes": [{"node_id": "ns=2;x=Speed", "kpi": "agv_speed_mps"}]}, "not an OPC UA node id"),
        ({"nodes": [{"node_id": "ns=2;s=Speed", "kpi": "agv_speed"}]}, "unknown KPI 'agv_speed'"),
        ({"nodes": [{"node_id": "ns=2;s=Loop", "kpi": "ctrl_loop_ms", "unit": "s"}]}, "ctrl_loop_ms is in 'ms'"),
        ({"nodes": [*NODES, {"node_id": "ns=2;i=7", "kpi": "rtt_ms"}]}, "kpi mapped more than once: rtt_ms"),
        ({"nodes": []}, "no nodes"),
        ({"security_policy": "Basic256Sha256"}, "needs certificate_file, private_key_file, server_certificate_file"),
        ({"password": "x"}, "a password needs a username"),
        ({"endpoint": "opc.tcp://admin:pw@plc:4840"}, "credentials go in username/password_file"),
        ({"endpoint": "http://plc:4840"}, "write the endpoint as opc.tcp://"),
        ({"mode": "push"}, "'subscribe' or 'poll'"),
    ],
)
def test_settings_refuse_a_bad_mapping_at_start_up(change: dict[str, Any], message: str) -> None:
    settings = {"enabled": True, "endpoint": "opc.tcp://127.0.0.1:4840", "nodes": NODES, **change}
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")):
        OpcUaSettings(**settings)


def test_password_file_is_read_and_kept_out_of_the_config_hash(tmp_path: Path) -> None:
    opcua = {"enabled": True, "username": "u", "password_file": str(tmp_path / "pw"), "nodes": NODES}
    (tmp_path / "pw").write_text("\nfirst-one\nrotated\n")
    resolved = AgentSettings(gateway_id="gw-opcua-01", sources={"opcua": opcua}).resolved()
    assert resolved["sources"]["opcua"]["password"] == "first-one"
    (tmp_path / "pw").write_text("another")
    again = AgentSettings(gateway_id="gw-opcua-01", sources={"opcua": opcua}).resolved()
    assert again["config_hash"] == resolved["config_hash"]


def test_status_problems_are_bounded() -> None:
    """A server decides the reasons and the config the node ids: the status message stays small whatever."""

    class Noisy:
        name = "opcua"

        def __init__(self) -> None:
            self.problems = {f"ns=2;s={i:02d}{'x' * 5000}": "Bad" * 1000 for i in range(50)}

        def read(self) -> Reading:
            return Reading({"cpu_pct": 1.0})

    guarded = GuardedSource("opcua", Noisy)
    guarded.read()
    found = problems([guarded])
    assert len(found) == MAX_PROBLEMS
    assert all(len(key) <= MAX_PROBLEM_CHARS and len(reason) <= MAX_PROBLEM_CHARS for key, reason in found.items())


LOADED = """
import json, sys
from edge_agent.agent import run
run(json.loads(sys.argv[1]), duration=0.5)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & {"asyncua", "cryptography"})))
"""


def test_an_agent_without_opcua_never_imports_asyncua(tmp_path: Path, plc: OpcUaTestServer) -> None:
    loaded = {}
    for enabled in (False, True):
        sources = {"host": {"enabled": True}, "opcua": {"enabled": enabled, "endpoint": plc.endpoint, "nodes": NODES}}
        resolved = AgentSettings(gateway_id="gw-opcua-01", state_dir=tmp_path / str(enabled), sources=sources,
                                 mqtt={"port": 1}).resolved()  # fmt: skip
        out = subprocess.run([sys.executable, "-c", LOADED, json.dumps(resolved)], capture_output=True, timeout=60,
                             check=True)  # fmt: skip
        loaded[enabled] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    assert loaded == {False: [], True: ["asyncua", "cryptography"]}


def test_agent_process_publishes_opcua_kpis_and_the_refused_node_in_its_status(
    plc: OpcUaTestServer, mosquitto: MosquittoServer, tmp_path: Path, agent_processes, subscribers
) -> None:
    gw = "gw-opcua-01"
    sub = subscribers(mosquitto.port)
    table = '\n[[agent.sources.opcua.nodes]]\nnode_id = "{node_id}"\nkpi = "{kpi}"\nscale = {scale}\n'
    nodes = "".join(table.format(**{"scale": 1, **n}) for n in NODES)
    extra = f'\n[agent.sources.opcua]\nenabled = true\nendpoint = "{plc.endpoint}"\ninterval_s = 0.1\n{nodes}'
    config = write_config(tmp_path / "agent.toml", gw, mosquitto.port, tmp_path / "state", extra)
    agent = agent_processes(config, tmp_path / "agent.log")

    def opcua_kpis() -> list[dict[str, Any]]:
        return [s["kpis"] for p in sub.telemetry(gw) for s in p["samples"] if "sensor_pps" in s["kpis"]]

    sub.wait_for(lambda: len(opcua_kpis()) >= 5, what="samples with OPC UA values")
    assert opcua_kpis()[-1]["agv_pos_err_cm"] == 12.3 and opcua_kpis()[-1]["vision_infer_ms"] == 2.5
    sub.wait_for(lambda: "problems" in sub.statuses(gw)[-1], what="status with problems")
    status = sub.statuses(gw)[-1]
    assert status["problems"] == {f"opcua {node}": reason for node, reason in EXPECTED_PROBLEMS.items()}
    assert "opcua" in status["sources"]
    assert agent.log().count("BadNodeIdUnknown") == 1

    # `i5g agent check` reads the same config once and names the refused nodes.
    check = subprocess.run([I5G, "agent", "check", "--no-connect", "--config", str(config)], capture_output=True,
                           text=True, timeout=60)  # fmt: skip
    assert check.returncode == 1
    assert "opcua: agv_pos_err_cm=12.3" in check.stdout
    assert f"opcua: {MISSING}: FAILED BadNodeIdUnknown" in check.stdout
